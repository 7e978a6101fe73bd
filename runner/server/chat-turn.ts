import type {
  InputRequestEvent,
  MessageEvent,
  ServerEventName,
  ServerEvents,
  SessionInfo,
  TurnEndReason,
} from '../../schemas/protocol.ts';
import type { Caller, Sessions, SessionListener } from '../sessions/types.ts';
import { resumeTrace } from '../telemetry/propagation.ts';

/**
 * One chat turn as the request/response endpoints (`/v1` and `/mcp`) see it: a message goes in
 * (or answers the question the session has open), the output topics' messages come out, and a
 * `user` agent's question either gets an answer from the caller on the spot or ends the request
 * with the question left open for the next one.
 */

/** A `user` agent's question: the session's `input_request`, as far as an answer needs it. */
export type OpenQuestion = Pick<InputRequestEvent, 'requestId' | 'turnId' | 'prompt' | 'timeoutMs'>;

/** What one request saw of its turn. */
export interface TurnResult {
  turnId: string;
  /** Output-topic messages, in order. */
  outputs: string[];
  end?: { reason: TurnEndReason; detail?: string };
  /** Set when the request returns before the turn ends because a `user` agent waits for an answer. */
  question?: OpenQuestion;
}

export interface TurnWatcher {
  onOutput?(message: MessageEvent): void;
  onToken?(token: ServerEvents['token']): void;
  /** Answers a question on the spot; undefined leaves it open for the next request. */
  ask?(question: OpenQuestion): Promise<string | undefined>;
}

export async function runChatTurn(
  sessions: Sessions,
  caller: Caller,
  session: SessionInfo,
  content: string,
  watcher: TurnWatcher = {},
): Promise<TurnResult> {
  // The caller's trace context (traceparent) is active only now, before the first await.
  const inCallerTrace = resumeTrace();
  let turnId: string | undefined;
  const outputs: string[] = [];
  let end: TurnResult['end'];
  let question: OpenQuestion | undefined;
  let onQuestion: (() => void) | undefined;

  const handle = (event: ServerEventName, payload: unknown) => {
    if ((payload as { turnId?: string }).turnId !== turnId) return;
    if (event === 'message') {
      const m = payload as MessageEvent;
      if (!m.output || m.sender === 'user') return;
      outputs.push(m.content);
      watcher.onOutput?.(m);
    } else if (event === 'token') {
      watcher.onToken?.(payload as ServerEvents['token']);
    } else if (event === 'turn_end') {
      const e = payload as ServerEvents['turn_end'];
      end = { reason: e.reason, ...(e.detail ? { detail: e.detail } : {}) };
    } else if (event === 'input_request') {
      question = payload as InputRequestEvent;
      onQuestion?.();
    }
  };
  // Events can arrive before send() tells us the turn id; they are replayed once it is known.
  const early: Array<[ServerEventName, unknown]> = [];
  const listener: SessionListener = (event, payload) => {
    if (turnId === undefined) early.push([event, payload]);
    else handle(event, payload);
  };

  const unsubscribe = await sessions.subscribe(caller, session.id, listener);
  try {
    // The session says which question is open, whichever endpoint or process left it open.
    const waiting = session.state === 'waiting_input' ? session.inputRequests?.[0] : undefined;
    if (waiting) {
      turnId = waiting.turnId;
      await sessions.reply(caller, session.id, waiting.requestId, content);
    } else {
      turnId = (await inCallerTrace(() => sessions.send(caller, session.id, { content }))).turnId;
    }
    for (const [event, payload] of early.splice(0)) handle(event, payload);
    const settled = sessions.settled(caller, session.id);
    for (;;) {
      await new Promise<void>((resolve, reject) => {
        if (question) return resolve();
        onQuestion = resolve;
        settled.then(resolve, reject);
      });
      const asked: OpenQuestion | undefined = question;
      if (!asked || end) break;
      const answer = await watcher.ask?.(asked);
      if (answer === undefined) break;
      question = undefined;
      await sessions.reply(caller, session.id, asked.requestId, answer);
    }
    return { turnId, outputs, ...(end ? { end } : {}), ...(question && !end ? { question } : {}) };
  } finally {
    unsubscribe();
  }
}
