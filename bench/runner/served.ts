import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

export interface Served {
  url: string;
  child: ChildProcess;
  /** CPU time (user + system) the server process has used so far, in ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

export async function spawnRole(role: 'runner' | 'bare' | 'floor'): Promise<Served> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD], { env: { ...process.env, SB_BENCH_ROLE: role, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16' }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`bench ${role} server exited with ${code}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const cpuMs = () =>
    new Promise<number>((resolve) => {
      child.once('message', (u) => resolve(((u as NodeJS.CpuUsage).user + (u as NodeJS.CpuUsage).system) / 1000));
      child.send('cpu');
    });
  return { url, child, cpuMs, stop: () => (child.kill('SIGTERM'), exited) };
}
