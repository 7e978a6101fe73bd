import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { McpStdioServerConfig } from '../../runner/mcp/runner-config.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** The reference server's bin (package.json "bin"): `stdio` (default) or `streamableHttp` as its first argument. */
export const EVERYTHING_BIN = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const FAULTY = join(ROOT, 'test/helpers/mcp-faulty-server.ts');

/** The everything server over stdio, as a runner config defines it. */
export const everythingStdio = (): McpStdioServerConfig => ({
  command: process.execPath,
  args: [EVERYTHING_BIN, 'stdio'],
  env: {},
});

/** The fixture server with tools that hang, die, flood or collide (see mcp-faulty-server.ts). */
export const faultyStdio = (mode: 'tools' | 'garbage' = 'tools'): McpStdioServerConfig => ({
  command: process.execPath,
  args: ['--import', 'tsx', FAULTY, mode],
  env: {},
  cwd: ROOT,
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

export interface HttpMcpServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The everything server over Streamable HTTP on a free loopback port, or on `port` to bring one back (it reads PORT). */
export async function startEverythingHttp(port?: number): Promise<HttpMcpServer> {
  port ??= await freePort();
  const child = spawn(process.execPath, [EVERYTHING_BIN, 'streamableHttp'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  await new Promise<void>((ok, fail) => {
    let err = '';
    const timer = setTimeout(() => fail(new Error(`everything server did not start: ${err}`)), 30_000);
    child.stderr!.on('data', (d) => {
      err += d;
      if (err.includes('listening on port')) {
        clearTimeout(timer);
        ok();
      }
    });
    void exited.then(() => fail(new Error(`everything server exited: ${err}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
