/**
 * Preloaded (`node --import`) into @modelcontextprotocol/conformance's CLI on Node 20: its bundle
 * imports `globSync` from "fs", which Node 20 lacks, so the module cannot even load. The server
 * scenarios never call it; only this package's imports of "fs" see the added export.
 */
import { register } from 'node:module';

const shim = `data:text/javascript,${encodeURIComponent(
  "import fs from 'node:fs'; export * from 'node:fs'; export default fs;" +
    "export function globSync() { throw new Error('fs.globSync needs Node 22 (conformance test shim)'); }",
)}`;
const hooks = `
export async function resolve(specifier, context, next) {
  if ((specifier === 'fs' || specifier === 'node:fs') && context.parentURL?.includes('/@modelcontextprotocol/conformance/')) {
    return { url: ${JSON.stringify(shim)}, shortCircuit: true };
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
