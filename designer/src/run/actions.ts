import type { MessageEvent, SessionInfo } from '../../../schemas/protocol.ts';
import { sessionCalls } from '../api/socket.ts';
import { useRun } from './runStore.ts';
import type { TurnEndItem } from './transcript.ts';
import { wireRunnerEvents } from './wire.ts';

/** Starts a session of a saved graph version and opens it as a chat (creating also joins its room). */
export async function startSession(graphId: string, version?: number): Promise<string> {
  wireRunnerEvents();
  const { session, messages } = await sessionCalls.create(graphId, version);
  useRun.getState().open(session, messages);
  return session.id;
}

/**
 * Joins a running or finished session: its transcript so far and the input requests it waits
 * on, then its live events. The chat opens before the join, so live events that come ahead of
 * the transcript are kept, not dropped.
 */
export async function attachSession(info: Pick<SessionInfo, 'id' | 'state'>): Promise<void> {
  wireRunnerEvents();
  const run = useRun.getState();
  const shown = run.sessions[info.id] !== undefined;
  if (!shown) run.open(info);
  try {
    const { session, messages } = await sessionCalls.join(info.id);
    useRun.getState().catchUp(session, undefined, messages);
  } catch (e) {
    if (!shown) useRun.getState().dismiss(info.id);
    throw e;
  }
}

/** Resolves once the chat shows the end of the turn (received, or inferred after a rejoin). */
export function turnEnded(sessionId: string, turnId: string, timeoutMs = 120_000): Promise<TurnEndItem> {
  const find = (state: ReturnType<typeof useRun.getState>) =>
    state.sessions[sessionId]?.items.find((i): i is TurnEndItem => i.kind === 'turn_end' && i.turnId === turnId);
  return new Promise((resolve, reject) => {
    const now = find(useRun.getState());
    if (now) return resolve(now);
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no turn end within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = useRun.subscribe((state) => {
      const end = find(state);
      if (!end) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(end);
    });
  });
}

/** Sends each message in turn, waiting for every turn to end; returns the whole transcript. */
export async function playScript(
  graphId: string,
  version: number | undefined,
  messages: readonly string[],
): Promise<{ sessionId: string; trace: MessageEvent[] }> {
  const sessionId = await startSession(graphId, version);
  for (const content of messages) {
    const { turnId } = await sessionCalls.send(sessionId, content);
    await turnEnded(sessionId, turnId);
  }
  return { sessionId, trace: useRun.getState().sessions[sessionId]?.trace ?? [] };
}
