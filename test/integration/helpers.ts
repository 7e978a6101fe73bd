import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { io, type Socket } from 'socket.io-client';
import type { Ack, ServerEventName, ServerEvents } from '../../schemas/protocol.ts';
import { startRunner, type Runner } from '../../runner/app.ts';
import { parseConfig, type ConfigInput } from '../../runner/config.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export { spawnServer } from '../helpers/spawn-runner.ts';
export const EXAMPLES = join(ROOT, 'examples');
export const exampleGraph = (name: string) =>
  JSON.parse(readFileSync(join(EXAMPLES, `${name}.json`), 'utf8')) as Record<string, unknown> & { id: string };

/** A memory tool behind the entry topic: "set <key> <value>", "get <key>", "list". */
export const memoryToolGraph = {
  format: 'switchboard/graph',
  version: 1,
  id: 'mem',
  name: 'Memory',
  agents: [{ id: 'mem', type: 'mem', kind: 'tool', config: { tool: 'memory' } }],
  topics: [
    { id: 'in', type: 'mem.in' },
    { id: 'out', type: 'mem.out' },
  ],
  subscriptions: [{ id: 's1', topic: 'in', agent: 'mem' }],
  publications: [{ id: 'p1', agent: 'mem', topic: 'out' }],
  entry: 'in',
  output: ['out'],
};

export function tempDir(prefix = 'sb-it-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestRunner extends Runner {
  dataDir: string;
  /** Closes the runner and removes its data folder. */
  stop(): Promise<void>;
}

/** A real runner on a loopback port with a fresh lowdb folder; `log` to read what it logs. */
export async function startTestRunner(config: ConfigInput = {}, log?: Logger): Promise<TestRunner> {
  const dir = tempDir();
  const runner = await startRunner({
    config: parseConfig({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'error',
      designerDir: join(dir.path, 'no-designer'),
      ...config,
      dataDir: config.dataDir ?? dir.path,
    }),
    log,
  });
  return {
    ...runner,
    dataDir: dir.path,
    async stop() {
      await runner.close();
      dir.remove();
    },
  };
}

/** A logger that keeps its lines (parsed) in `lines`, from `level` up. */
export function memoryLog(level = 'info'): {
  log: Logger;
  lines: Array<Record<string, unknown> & { level: number; msg: string }>;
} {
  const lines: Array<Record<string, unknown> & { level: number; msg: string }> = [];
  const log = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** fetch against the runner with a JSON body and an optional bearer token. */
export async function api(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export async function connect(url: string, token?: string, options: Parameters<typeof io>[1] = {}): Promise<Socket> {
  const socket = io(url, {
    transports: ['websocket'],
    auth: token ? { token } : {},
    reconnection: false,
    forceNew: true,
    ...options,
  });
  await new Promise<void>((ok, fail) => {
    socket.once('connect', () => ok());
    socket.once('connect_error', (err) => fail(err));
  });
  return socket;
}

/** Emits with an ack and resolves with the Ack. */
export function call<T = Record<string, unknown>>(
  socket: Socket,
  event: string,
  payload: unknown,
  timeoutMs = 30_000,
): Promise<Ack<T>> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<Ack<T>>;
}

export function ok<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`ack failed: ${ack.error.code}: ${ack.error.message}`);
  return ack as T;
}

/** Resolves with the first event of that name that matches. */
export function nextEvent<E extends ServerEventName>(
  socket: Socket,
  event: E,
  match: (p: ServerEvents[E]) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<ServerEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event as string, on);
      reject(new Error(`no "${event}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (p: ServerEvents[E]) => {
      if (!match(p)) return;
      clearTimeout(timer);
      socket.off(event as string, on);
      resolve(p);
    };
    socket.on(event as string, on);
  });
}

/** Runs `node --import tsx runner/cli.ts ...` and collects its output. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'runner/cli.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}
