import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, exampleGraph, ROOT, startTestRunner, tempDir, type TestRunner } from './helpers.ts';

/**
 * The server scenarios of @modelcontextprotocol/conformance that apply to a tools-only server,
 * run by its own CLI against /mcp of a runner in the no-auth loopback mode (the CLI's client
 * sends no token). The others need test tools (test_image_content, test_reconnection…),
 * resources, prompts, logging or completion, which /mcp does not serve.
 */
const SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];
const CLI = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const NODE20_SHIM = join(ROOT, 'test/helpers/conformance-on-node20.mjs');

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
}

function checksIn(dir: string): Check[] {
  const found: Check[] = [];
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (entry.endsWith('checks.json')) found.push(...(JSON.parse(readFileSync(join(dir, entry), 'utf8')) as Check[]));
  }
  return found;
}

describe('MCP conformance server scenarios against /mcp', () => {
  let runner: TestRunner;
  const results = tempDir('sb-mcp-conformance-');

  beforeAll(async () => {
    runner = await startTestRunner();
    expect((await api(runner.url, 'POST', '/api/graphs', { body: { graph: exampleGraph('hello') } })).status).toBe(201);
  });
  afterAll(async () => {
    await runner.stop();
    results.remove();
  });

  it.each(SCENARIOS)('%s passes', async (scenario) => {
    const out = join(results.path, scenario);
    const args = [
      '--import',
      NODE20_SHIM,
      CLI,
      'server',
      '--url',
      `${runner.url}/mcp`,
      '--scenario',
      scenario,
      '--output-dir',
      out,
    ];
    const run = await promisify(execFile)(process.execPath, args, { cwd: results.path, timeout: 60_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code?: number; stdout?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? '' }),
    );
    const checks = checksIn(out);
    const failures = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
    expect(failures, run.stdout).toEqual([]);
    expect(checks.some((c) => c.status === 'SUCCESS')).toBe(true);
    expect(run.code, run.stdout).toBe(0);
  });
});
