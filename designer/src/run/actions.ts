import type { MessageEvent, SessionInfo, TurnEndEvent } from '../../../schemas/protocol.ts';
import { sessionCalls } from '../api/socket.ts';
import { useRun } from './runStore.ts';
import { wireRunnerEvents } from './wire.ts';

/** Starts a session of a saved graph version and opens it as a chat (creating also joins its room). */
export async function startSession(graphId: string, version?: number): Promise<string> {
  wireRunnerEvents();
  const { session } = await sessionCalls.create(graphId, version);
  useRun.getState().open(session);
  return session.id;
}

/** Joins a running or finished session: its transcript so far, then its live events. */
export async function attachSession(info: Pick<SessionInfo, 'id' | 'state'>): Promise<void> {
  wireRunnerEvents();
  const { session, messages } = await sessionCalls.join(info.id);
  useRun.getState().open(session, messages);
}

/** Resolves with the end of the session's next turn. */
export function nextTurnEnd(sessionId: string, timeoutMs = 120_000): Promise<TurnEndEvent> {
  return new Promise((resolve, reject) => {
    const seen = useRun.getState().sessions[sessionId]?.items.length ?? 0;
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no turn end within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = useRun.subscribe((state) => {
      const items = state.sessions[sessionId]?.items ?? [];
      const end = items.slice(seen).find((i) => i.kind === 'turn_end');
      if (end && end.kind === 'turn_end') {
        clearTimeout(timer);
        unsubscribe();
        resolve(end.event);
      }
    });
  });
}

/** Sends each message in turn, waiting for every turn to end; returns the whole transcript. */
export async function playScript(graphId: string, version: number | undefined, messages: readonly string[]): Promise<{ sessionId: string; trace: MessageEvent[] }> {
  const sessionId = await startSession(graphId, version);
  for (const content of messages) {
    const ended = nextTurnEnd(sessionId);
    await sessionCalls.send(sessionId, content);
    await ended;
  }
  return { sessionId, trace: useRun.getState().sessions[sessionId]?.trace ?? [] };
}
