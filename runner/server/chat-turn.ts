import type { MessageEvent, ServerEventName, ServerEvents, SessionInfo, TurnEndReason } from '../../schemas/protocol.ts';
import type { Caller, Sessions, SessionListener } from '../sessions/types.ts';

/**
 * One chat turn as the request/response endpoints (`/v1` and `/mcp`) see it: a message goes in
 * (or answers the question the last request left open), the output topics' messages come out,
 * and a `user` agent's question either gets an answer from the caller on the spot or ends the
 * request with the question left open for the next one.
 */

export interface OpenQuestion {
  requestId: string;
  turnId: string;
  /** What the `user` agent asks, including the message it asks about. */
  prompt: string;
  timeoutMs: number;
}

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

/** A `user` agent's open question per session: the next request on the session answers it. */
export class OpenQuestions {
  private readonly bySession = new Map<string, OpenQuestion>();

  /** The question this session's next message answers, removed from the table. */
  take(session: SessionInfo): OpenQuestion | undefined {
    const question = this.bySession.get(session.id);
    this.bySession.delete(session.id);
    return question && session.state === 'waiting_input' ? question : undefined;
  }

  leave(sessionId: string, question: OpenQuestion): void {
    this.bySession.set(sessionId, question);
  }
}

export async function runChatTurn(
  sessions: Sessions,
  caller: Caller,
  session: SessionInfo,
  content: string,
  open: OpenQuestions,
  watcher: TurnWatcher = {},
): Promise<TurnResult> {
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
      const r = payload as ServerEvents['input_request'];
      question = { requestId: r.requestId, turnId: r.turnId, prompt: r.prompt, timeoutMs: r.timeoutMs };
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
    const waiting = open.take(session);
    if (waiting) {
      turnId = waiting.turnId;
      await sessions.reply(caller, session.id, waiting.requestId, content);
    } else {
      turnId = (await sessions.send(caller, session.id, { content })).turnId;
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
      if (answer === undefined) {
        open.leave(session.id, asked);
        break;
      }
      question = undefined;
      await sessions.reply(caller, session.id, asked.requestId, answer);
    }
    return { turnId, outputs, ...(end ? { end } : {}), ...(question && !end ? { question } : {}) };
  } finally {
    unsubscribe();
  }
}
