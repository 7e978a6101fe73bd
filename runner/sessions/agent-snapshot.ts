import type { AgentRuntime, KeySnapshot } from '../runtime/types.ts';

/** A snapshot waits for running handlers; one stuck in a hung call must not stall persistence. */
const SNAPSHOT_TIMEOUT_MS = 2000;

/** The session's agents and undelivered messages, or undefined when that took too long or failed. */
export async function snapshotOf(runtime: AgentRuntime, id: string): Promise<KeySnapshot | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, SNAPSHOT_TIMEOUT_MS, undefined);
  });
  try {
    return await Promise.race([runtime.saveKey(id), timeout]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
