/**
 * Test helper run as a child process: applies the writes it reads from stdin (a JSON array) to a
 * LowdbStore in `dir`, one after another, then exits without closing the store, as a process
 * that crashed right after its last acknowledged write. Nothing of it runs on afterwards.
 */
import { text } from 'node:stream/consumers';
import { LowdbStore } from './lowdb-store.ts';
import { recordWrite, type SessionWrite } from './session-write.ts';
import type { SessionRecord } from './types.ts';

/** `refused`: the store must refuse the write (it builds on a revision that is not stored). */
export type CrashStep =
  | { put: SessionRecord; options?: Parameters<typeof recordWrite>[1] }
  | { write: SessionWrite; refused?: true }
  | { delete: { tenant: string; id: string } }
  | 'flush';

const [dir] = process.argv.slice(2) as [string];
const store = new LowdbStore(dir);
for (const step of JSON.parse(await text(process.stdin)) as CrashStep[]) {
  if (step === 'flush') await store.flush();
  else if ('put' in step) await store.putSession(recordWrite(step.put, step.options));
  else if ('write' in step && step.refused)
    await store.putSession(step.write).then(
      () => Promise.reject(new Error('a write meant to be refused was taken')),
      (error: { code?: string }) => (error.code === 'store_conflict' ? undefined : Promise.reject(error)),
    );
  else if ('write' in step) await store.putSession(step.write);
  else await store.deleteSession(step.delete.tenant, step.delete.id);
}
process.exit(0);
