import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { Redis } from 'ioredis';

/**
 * A redis-server of the test's own, on a free loopback port, without persistence: the shared one
 * (6379) must never be flushed or restarted. `restart` kills it and starts an empty one on the
 * same port, as a Redis restart without AOF does.
 */
export interface OwnRedis {
  readonly url: string;
  /** FLUSHALL on this server only. */
  flush(): Promise<void>;
  /** kill -9, then a fresh empty server on the same port once `downMs` have passed. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-own-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server = await launch(port, dir);
  const client = async <T>(use: (redis: Redis) => Promise<T>) => {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    try {
      await redis.connect();
      return await use(redis);
    } finally {
      redis.disconnect();
    }
  };
  return {
    url,
    flush: () => client((redis) => redis.flushall()).then(() => undefined),
    async restart(downMs = 500) {
      await kill(server);
      await new Promise((r) => setTimeout(r, downMs));
      server = await launch(port, dir);
    },
    async stop() {
      await kill(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((ready, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`redis-server on port ${port} did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        ready();
      }
    });
    child.once('exit', (code) => fail(new Error(`redis-server on port ${port} exited with ${code}: ${out}`)));
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}
