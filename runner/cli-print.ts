import type { ServerEventName, ServerEvents } from '../schemas/protocol.ts';

/**
 * Prints a session's event stream for people: tokens as they arrive, messages that were not
 * streamed, agent errors, input requests and turn ends. `--json` prints the raw events instead.
 */
export class EventPrinter {
  private streaming: string | undefined;
  private readonly streamed = new Set<string>();

  constructor(
    private readonly out: (s: string) => void,
    private readonly json: boolean,
  ) {}

  print<E extends ServerEventName>(event: E, payload: ServerEvents[E]): void {
    if (this.json) {
      this.out(`${JSON.stringify({ event, ...payload })}\n`);
      return;
    }
    switch (event) {
      case 'token': {
        const t = payload as ServerEvents['token'];
        if (this.streaming !== t.messageId) {
          this.endLine();
          this.out(`${t.agent}: `);
          this.streaming = t.messageId;
          this.streamed.add(t.messageId);
        }
        this.out(t.delta);
        return;
      }
      case 'message': {
        const m = payload as ServerEvents['message'];
        this.endLine();
        if (m.sender === 'user' || this.streamed.delete(m.id)) return;
        this.out(`${m.output ? '' : `[${m.topic.type}] `}${m.sender}: ${m.content}\n`);
        return;
      }
      case 'agent': {
        const a = payload as ServerEvents['agent'];
        if (a.phase === 'error') this.line(`! ${a.agent} failed: ${a.error ?? 'unknown error'}`);
        return;
      }
      case 'input_request': {
        const r = payload as ServerEvents['input_request'];
        this.line(`? ${r.agent} asks: ${r.prompt}`);
        return;
      }
      case 'turn_end': {
        const e = payload as ServerEvents['turn_end'];
        this.line(`-- turn ended: ${e.reason}${e.detail ? ` (${e.detail})` : ''}`);
        return;
      }
      case 'tool_call': {
        const c = payload as ServerEvents['tool_call'];
        this.line(
          `· ${c.agent} called ${c.server}/${c.tool}: ${c.ok ? 'ok' : 'error'}, ${Math.round(c.latencyMs)} ms${c.truncated ? ', result cut' : ''}`,
        );
        return;
      }
      case 'warning':
      case 'error': {
        const w = payload as { code: string; message: string };
        this.line(`! ${w.code}: ${w.message}`);
        return;
      }
    }
  }

  private line(s: string): void {
    this.endLine();
    this.out(`${s}\n`);
  }

  private endLine(): void {
    if (this.streaming === undefined) return;
    this.out('\n');
    this.streaming = undefined;
  }
}
