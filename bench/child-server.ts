import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, type GraphInput } from '../schemas/graph.ts';
import { startRunner, type Runner } from '../runner/app.ts';
import { LOCAL_TENANT, parseConfig, type ConfigInput } from '../runner/config.ts';
import { cpuProfiler } from './cpu-profile.ts';

/**
 * A bench server in a child process of its own, so its CPU time is its own. The child prints
 * `{"url": …}` on stdout when it listens and answers IPC `{ ask: 'cpu' }` with process.cpuUsage()
 * (see answerCpu); other questions are the bench's own.
 */
export interface ChildServer {
  url: string;
  /** CPU time (user + system) of the child so far, in ms. */
  cpuMs(): Promise<number>;
  /** Sends a message and resolves with the child's next message. */
  ask<T>(message: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** Starts a bench server process and waits for the `{"url": …}` line it prints once it listens. */
export async function spawnListening(
  args: string[],
  env: NodeJS.ProcessEnv,
  what: string,
): Promise<{ child: ChildProcess; url: string; exited: Promise<void> }> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`bench server ${what} exited with ${code}`)));
  });
  return { child, url, exited: new Promise<void>((r) => child.once('exit', () => r())) };
}

export async function spawnChildServer(file: string, env: Record<string, string>): Promise<ChildServer> {
  const { child, url, exited } = await spawnListening(['--import', 'tsx', file], env, `${file} ${JSON.stringify(env)}`);
  const ask = <T>(message: unknown) =>
    new Promise<T>((resolve) => {
      child.once('message', (m) => resolve(m as T));
      child.send(message as object);
    });
  return {
    url,
    ask,
    cpuMs: async () => (({ user, system }) => (user + system) / 1000)(await ask<NodeJS.CpuUsage>({ ask: 'cpu' })),
    stop: () => (child.kill('SIGTERM'), exited),
  };
}

/** In the child: answers the parent's CPU question (and cuts the CPU profile there, see cpu-profile.ts). */
export function answerCpu(name = process.env.SB_STREAM_ROLE ?? process.argv[1] ?? 'server'): void {
  const profiler = cpuProfiler(name);
  process.on(
    'message',
    (m: { ask?: string }) => m.ask === 'cpu' && void profiler.cut().then(() => process.send?.(process.cpuUsage())),
  );
}

/** In the child: tells the parent where it listens. */
export const listening = (url: string) => process.stdout.write(`${JSON.stringify({ url })}\n`);

/**
 * In the child: a runner with its embedded store in a temp folder, no rate limits (the bench's
 * clients send as fast as it answers), `graph` stored; listening, and removing its folder on
 * SIGTERM. The caller answers CPU questions (answerCpu) once for the process.
 */
export async function serveRunner(graph: GraphInput, config: ConfigInput = {}): Promise<Runner> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
  const unlimited = { perSecond: 1_000_000, burst: 1_000_000 };
  const runner = await startRunner({
    config: parseConfig({
      port: 0,
      dataDir: dir,
      logLevel: 'error',
      designerDir: join(dir, 'none'),
      limits: { socket: unlimited, socketTenant: unlimited, handshakeTenant: unlimited, http: unlimited },
      ...config,
    }),
  });
  const parsed = Graph.parse(graph);
  await runner.store.putGraph({
    tenant: LOCAL_TENANT,
    id: parsed.id,
    version: 1,
    graph: parsed,
    draft: false,
    updatedAt: Date.now(),
  });
  process.once(
    'SIGTERM',
    () => void runner.close().finally(() => (rmSync(dir, { recursive: true, force: true }), process.exit(0))),
  );
  listening(runner.url);
  return runner;
}
