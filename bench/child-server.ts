import { spawn } from 'node:child_process';

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

export async function spawnChildServer(file: string, env: Record<string, string>): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`bench server ${file} ${JSON.stringify(env)} exited with ${code}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
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

/** In the child: answers the parent's CPU question. */
export function answerCpu(): void {
  process.on('message', (m: { ask?: string }) => m.ask === 'cpu' && process.send?.(process.cpuUsage()));
}

/** In the child: tells the parent where it listens. */
export const listening = (url: string) => process.stdout.write(`${JSON.stringify({ url })}\n`);
