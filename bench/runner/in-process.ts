import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../../runner/app.ts';
import { LOCAL_TENANT, parseConfig } from '../../runner/config.ts';
import { LowdbStore } from '../../runner/store/lowdb-store.ts';

export const caller = { tenant: LOCAL_TENANT };

export function core(dir: string, overrides: Record<string, unknown> = {}): Core {
  return createCore(parseConfig({ dataDir: dir, logLevel: 'error', ...overrides }));
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The embedded store holds its last writes in memory until its next checkpoint: memory is measured after it. */
export async function flushed(c: Core): Promise<void> {
  if (c.store instanceof LowdbStore) await c.store.flush();
}

export async function turn(c: Core, id: string, content: string): Promise<void> {
  await c.sessions.send(caller, id, { content });
  await c.sessions.settled(caller, id);
}

export async function createSessions(c: Core, graphId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, n - i) }, () => c.sessions.create(caller, { graphId })),
    );
    ids.push(...batch.map((s) => s.id));
  }
  return ids;
}

/** Mean ms per persisted turn (send, run, persist) over `turns` sequential turns. */
export async function persistedTurnMs(c: Core, ids: string[], turns: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < turns; i++) await turn(c, ids[i % ids.length], `t ${i}`);
  return (performance.now() - started) / turns;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function heapUsed(): number {
  for (let i = 0; i < 4; i++) globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
