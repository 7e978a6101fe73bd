import { z } from 'zod';
import { injectTraceHeaders } from '../telemetry/propagation.ts';
import { ToolFailure, type BuiltinTool, type ToolContext } from './types.ts';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 100_000;
const MAX_REDIRECTS = 3;

/** An allow-list entry: "host", "host:port", "[ipv6]:port" or "*.domain" (any subdomain of domain). */
function parseEntry(entry: string): { name: string; port?: string } {
  const e = entry.trim().toLowerCase();
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(e) ?? /^([^:]+)(?::(\d+))?$/.exec(e);
  return m ? { name: m[1], port: m[2] } : { name: e };
}

export function isHostAllowed(url: URL, allowed: readonly string[]): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowed.some((entry) => {
    const { name, port: entryPort } = parseEntry(entry);
    if (entryPort && entryPort !== port) return false;
    return name.startsWith('*.') ? host.endsWith(name.slice(1)) : host === name;
  });
}

function checkUrl(raw: string, ctx: ToolContext): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ToolFailure(`"${raw}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ToolFailure(`only http and https URLs are allowed, not ${url.protocol}`);
  if (url.username || url.password) throw new ToolFailure('URLs with credentials are not allowed');
  if (!isHostAllowed(url, ctx.allowedHosts))
    throw new ToolFailure(
      `host "${url.host}" is not allowed by this graph (limits.allowedHosts: ${ctx.allowedHosts.length ? ctx.allowedHosts.join(', ') : 'none'})`,
    );
  return url;
}

/** Reads at most `maxBytes`; a longer body is cut there (and says so) rather than buffered whole. */
async function readCapped(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > maxBytes) {
      parts.push(value.subarray(0, maxBytes - size));
      truncated = true;
      await reader.cancel();
      break;
    }
    parts.push(value);
    size += value.byteLength;
  }
  const text = Buffer.concat(parts).toString('utf8');
  return truncated ? `${text}\n[truncated at ${maxBytes} bytes]` : text;
}

export const httpGet: BuiltinTool<z.ZodObject<{ url: z.ZodString }>> = {
  name: 'http_get',
  description:
    'Fetches a URL with HTTP GET and returns the body as text. Only the hosts the graph allows can be reached.',
  args: z.object({ url: z.string().min(1).max(2000).describe('An http(s) URL on an allowed host') }),
  /** With a configured URL template, `{input}` is replaced by the message (URL-encoded). */
  fromText: (content, argument) => ({
    url: argument ? argument.replaceAll('{input}', encodeURIComponent(content.trim())) : content.trim(),
  }),
  run: async ({ url }, ctx) => {
    const timeoutMs = ctx.httpTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
    let target = checkUrl(url, ctx);
    try {
      for (let hop = 0; ; hop++) {
        // Redirects are followed by hand so every hop passes the allow-list.
        const headers = new Headers({ accept: 'text/*, application/json;q=0.9, */*;q=0.1' });
        injectTraceHeaders(headers, ctx.trace);
        const res = await fetch(target, { redirect: 'manual', signal, headers });
        const location = res.headers.get('location');
        if (res.status >= 300 && res.status < 400 && location) {
          await res.body?.cancel();
          if (hop >= MAX_REDIRECTS) throw new ToolFailure(`more than ${MAX_REDIRECTS} redirects`);
          target = checkUrl(new URL(location, target).href, ctx);
          continue;
        }
        const body = await readCapped(res, ctx.httpMaxBytes ?? DEFAULT_MAX_BYTES);
        if (!res.ok) throw new ToolFailure(`HTTP ${res.status} from ${target.host}: ${body.slice(0, 200)}`);
        return body;
      }
    } catch (e) {
      if (e instanceof ToolFailure) throw e;
      if (timeout.aborted) throw new ToolFailure(`no response from ${target.host} within ${timeoutMs} ms`);
      if (ctx.signal?.aborted) throw new ToolFailure('aborted');
      throw new ToolFailure(`cannot fetch ${target.href}: ${(e as Error).message}`);
    }
  },
};
