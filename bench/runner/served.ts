import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnListening } from '../child-server.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

export interface Served {
  url: string;
  child: ChildProcess;
  /** CPU time (user + system) the server process has used so far, in ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

export async function spawnRole(role: 'runner' | 'bare' | 'floor'): Promise<Served> {
  const { child, url, exited } = await spawnListening(
    ['--expose-gc', '--import', 'tsx', CHILD],
    { SB_BENCH_ROLE: role, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16' },
    role,
  );
  const cpuMs = () =>
    new Promise<number>((resolve) => {
      child.once('message', (u) => resolve(((u as NodeJS.CpuUsage).user + (u as NodeJS.CpuUsage).system) / 1000));
      child.send('cpu');
    });
  return { url, child, cpuMs, stop: () => (child.kill('SIGTERM'), exited) };
}
