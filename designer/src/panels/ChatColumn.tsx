import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { sessionCalls } from '../api/socket.ts';
import { sessionsApi } from '../api/sessions.ts';
import { useRun, type ChatItem, type SessionView } from '../run/runStore.ts';
import { useUi } from '../store/uiStore.ts';
import { GraphScriptedBadge } from '../canvas/ScriptedBadge.tsx';
import { testCaseFromTrace, loadTestCases, saveTestCases } from '../run/testCases.ts';
import { TraceId } from '../run/TraceId.tsx';

type Props = { session: SessionView; graphId: string };

/** One session as a chat: its own transcript, stream, input requests and controls. */
export function ChatColumn({ session, graphId }: Props) {
  const { t } = useTranslation();
  const toast = useUi((s) => s.toast);
  const [text, setText] = useState('');
  const [internal, setInternal] = useState(true);
  const list = useRef<HTMLOListElement>(null);
  const short = session.id.slice(0, 8);

  useEffect(() => {
    list.current?.scrollTo({ top: list.current.scrollHeight });
  }, [session.items]);

  const act = async (what: () => Promise<unknown>) => {
    try {
      await what();
    } catch (e) {
      toast('error', (e as Error).message);
    }
  };
  const send = () => {
    const content = text.trim();
    if (!content) return;
    setText('');
    void act(() => sessionCalls.send(session.id, content));
  };
  const replay = () =>
    act(async () => {
      const messages = await sessionsApi.transcript(session.id).catch(() => session.trace);
      useRun.getState().startReplay(session.id, messages.length ? messages : session.trace);
    });
  const saveAsTest = () => {
    const cases = loadTestCases(graphId);
    const test = testCaseFromTrace(t('tests.defaultName', { id: short }), session.trace);
    saveTestCases(graphId, [...cases, test]);
    toast('info', t('tests.saved', { name: test.name }));
    window.dispatchEvent(new Event('switchboard:tests'));
  };
  const tokens = session.usage ? session.usage.promptTokens + session.usage.completionTokens : 0;

  return (
    <section className="chat" data-testid="chat" data-session={session.id} aria-label={t('run.session', { id: short })}>
      <header className="chat-head">
        <strong title={session.id}>{t('run.session', { id: short })}</strong>
        <span className={`state state-${session.state}`} data-testid="session-state">{t(`state.${session.state}`)}</span>
        <span className="muted">{t('run.tokens', { count: tokens })}</span>
        <GraphScriptedBadge />
        <span className="spacer" />
        <button type="button" className="icon" aria-label={t('run.pause')} title={t('run.pause')} onClick={() => act(() => sessionCalls.pause(session.id))}>❚❚</button>
        <button type="button" className="icon" aria-label={t('run.resume')} title={t('run.resume')} onClick={() => act(() => sessionCalls.resume(session.id))}>▶</button>
        <button type="button" className="icon" aria-label={t('run.abort')} title={t('run.abort')} onClick={() => act(() => sessionCalls.abort(session.id))}>■</button>
        <button type="button" className="icon" aria-label={t('run.replay')} title={t('run.replay')} onClick={replay} data-testid="replay-session">⟲</button>
        <button type="button" className="icon" aria-label={t('run.saveTest')} title={t('run.saveTest')} onClick={saveAsTest} disabled={session.trace.length === 0} data-testid="save-test">✓</button>
        <button type="button" className="icon" aria-label={t('run.end')} title={t('run.end')} onClick={() => act(() => sessionCalls.close(session.id))}>⊘</button>
        <button type="button" className="icon" aria-label={t('run.dismiss')} title={t('run.dismiss')} onClick={() => useRun.getState().dismiss(session.id)}>✕</button>
      </header>
      <label className="chat-toggle">
        <input type="checkbox" checked={internal} onChange={(e) => setInternal(e.target.checked)} /> {t('run.showInternal')}
      </label>
      <ol className="chat-items" ref={list} aria-live="polite">
        {session.items.map((item) => (
          <ChatLine key={`${item.kind}-${item.id}`} item={item} internal={internal} sessionId={session.id} />
        ))}
        {session.items.length === 0 && <li className="muted empty">{t('run.emptyChat')}</li>}
      </ol>
      <form
        className="chat-send"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <input value={text} onChange={(e) => setText(e.target.value)} placeholder={t('run.placeholder')} aria-label={t('run.placeholder')} data-testid="chat-input" disabled={session.state === 'closed'} />
        <button type="submit" data-testid="chat-send" disabled={session.state === 'closed'}>{t('run.send')}</button>
      </form>
    </section>
  );
}

function ChatLine({ item, internal, sessionId }: { item: ChatItem; internal: boolean; sessionId: string }) {
  const { t } = useTranslation();
  switch (item.kind) {
    case 'message': {
      const m = item.message;
      if (m.sender === 'user') return <li className="bubble user" data-testid="msg-user">{m.content}</li>;
      if (!m.output && !internal) return null;
      return (
        <li className={m.output ? 'bubble agent' : 'internal'} data-testid={m.output ? 'msg-output' : 'msg-internal'} data-streamed={item.streamed || undefined}>
          <span className="who">{m.sender} → #{m.topic.type}</span>
          <span className="text">{m.content}</span>
        </li>
      );
    }
    case 'stream':
      return (
        <li className="bubble agent streaming" data-testid="msg-stream">
          <span className="who">{item.agent}</span>
          <span className="text">{item.text}</span>
        </li>
      );
    case 'input':
      return <InputRequest item={item} sessionId={sessionId} />;
    case 'turn_end': {
      const { event } = item;
      if (!event) return <li className="turn-end inferred" data-testid="turn-end">{t('run.turnEndedAway')}</li>;
      return (
        <li className={`turn-end reason-${event.reason}`} data-testid="turn-end">
          {t('run.turnEnd', { reason: t(`reasons.${event.reason}`) })}
          {event.detail ? `: ${event.detail}` : ''}
          <TraceId traceId={event.traceId} />
        </li>
      );
    }
    case 'error':
      return <li className="chat-error" role="alert" data-testid="chat-error">{item.text}</li>;
  }
}

function InputRequest({ item, sessionId }: { item: Extract<ChatItem, { kind: 'input' }>; sessionId: string }) {
  const { t } = useTranslation();
  const toast = useUi((s) => s.toast);
  const [answer, setAnswer] = useState('');
  if (item.answer !== undefined) return <li className="input-request answered">{item.request.prompt} → {item.answer}</li>;
  if (item.closed) return <li className="input-request answered" data-testid="input-closed">{item.request.prompt} → {t('run.inputClosed')}</li>;
  return (
    <li className="input-request" data-testid="input-request">
      <span className="who">{t('run.inputFrom', { agent: item.request.agent })}</span>
      <span>{item.request.prompt}</span>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          sessionCalls
            .input(sessionId, item.request.requestId, answer)
            .then(() => useRun.getState().answered(sessionId, item.request.requestId, answer))
            .catch((err: Error) => toast('error', err.message));
        }}
      >
        <input value={answer} onChange={(e) => setAnswer(e.target.value)} aria-label={item.request.prompt} data-testid="input-answer" />
        <button type="submit">{t('run.answer')}</button>
      </form>
    </li>
  );
}
