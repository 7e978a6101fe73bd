import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useVirtualizer } from '@tanstack/react-virtual';
import { sessionCalls } from '../api/socket.ts';
import { useRun, type ChatItem, type SessionView } from '../run/runStore.ts';
import { useUi } from '../store/uiStore.ts';
import { GraphScriptedBadge } from '../canvas/ScriptedBadge.tsx';
import { testCaseFromTrace, loadTestCases, saveTestCases } from '../run/testCases.ts';
import { TraceId } from '../run/TraceId.tsx';
import { LabelledText, TopicName, useAgentNames, useTopicNames, Who, type AgentName } from '../run/agentNames.tsx';
import { answerKey, useDraft } from '../run/drafts.ts';
import { ChatControls } from './ChatControls.tsx';
import { followEnd, measureAfterLayout } from './listLayout.ts';
import { countRender } from '../run/renderCount.ts';

type Props = { session: SessionView; graphId: string };

const shown = (item: ChatItem, internal: boolean) =>
  internal || item.kind !== 'message' || item.message.output || item.message.sender === 'user';
/**
 * A short list renders whole (each line is memoised, so it renders once); past this length only
 * what is on screen is mounted, so a long session costs no more per line than a short one.
 */
const WHOLE_UP_TO = 80;
export const overscanFor = (count: number) => (count <= WHOLE_UP_TO ? count : 8);
/** Within this many pixels of the end the list follows new lines; scrolled further up, it stays put. */
const FOLLOW_PX = 48;

/**
 * One session as a chat: its own transcript, stream, input requests and controls. The list is
 * virtualised and its lines memoised: a new line renders that line, however long the session.
 */
export const ChatColumn = memo(function ChatColumn({ session, graphId }: Props) {
  const { t } = useTranslation();
  const toast = useUi((s) => s.toast);
  const names = useAgentNames();
  const [text, setText] = useDraft(session.id);
  const [internal, setInternal] = useState(true);
  const scroller = useRef<HTMLDivElement>(null);
  const lines = useRef<HTMLOListElement>(null);
  const follow = useRef<ReturnType<typeof followEnd>>(undefined);
  const short = session.id.slice(0, 8);
  const items = useMemo(
    () => (internal ? session.items : session.items.filter((i) => shown(i, false))),
    [session.items, internal],
  );

  const list = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 44,
    overscan: overscanFor(items.length),
    getItemKey: (index) => `${items[index]!.kind}-${items[index]!.id}`,
    measureElement: measureAfterLayout,
    // Following the end scrolls on every new line: let React batch the range change with it.
    useFlushSync: false,
  });
  // A line measured above the view would shift it; while following the end, the scroll below does.
  list.shouldAdjustScrollPositionOnItemSizeChange = () => !(follow.current?.following() ?? true);

  // Following the end is one scroll after the list grew, not the virtualiser's scroll-to-index
  // (which re-measures and retries over several frames): that was most of a new line's cost.
  const total = list.getTotalSize();
  useEffect(() => {
    follow.current = followEnd(scroller.current!, lines.current!, FOLLOW_PX);
    return follow.current.stop;
  }, []);

  const send = () => {
    const content = text.trim();
    if (!content) return;
    setText('');
    sessionCalls.send(session.id, content).catch((e: Error) => toast('error', e.message));
  };
  const tokens = session.usage ? session.usage.promptTokens + session.usage.completionTokens : 0;

  return (
    <section className="chat" data-testid="chat" data-session={session.id} aria-label={t('run.session', { id: short })}>
      <header className="chat-head">
        <strong title={session.id}>{t('run.session', { id: short })}</strong>
        <span className={`state state-${session.state}`} data-testid="session-state">
          {t(`state.${session.state}`)}
        </span>
        <span className="muted">{t('run.tokens', { count: tokens })}</span>
        <GraphScriptedBadge />
        <ChatControls
          id={session.id}
          state={session.state}
          recorded={session.trace.length > 0}
          graphId={graphId}
          internal={internal}
          onInternal={setInternal}
        />
      </header>
      <div className="chat-items" ref={scroller}>
        <ol aria-live="polite" style={{ height: total }} ref={lines}>
          {list.getVirtualItems().map((row) => (
            <li
              key={row.key}
              data-index={row.index}
              ref={list.measureElement}
              style={{ transform: `translateY(${row.start}px)` }}
            >
              <ChatLine item={items[row.index]!} sessionId={session.id} names={names} />
            </li>
          ))}
        </ol>
        {items.length === 0 && <p className="muted empty">{t('run.emptyChat')}</p>}
      </div>
      <form
        className="chat-send"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <input
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={t('run.placeholder')}
          aria-label={t('run.placeholder')}
          data-testid="chat-input"
          disabled={session.state === 'closed'}
        />
        <button type="submit" data-testid="chat-send" disabled={session.state === 'closed'}>
          {t('run.send')}
        </button>
      </form>
    </section>
  );
});

const ChatLine = memo(function ChatLine({
  item,
  sessionId,
  names,
}: {
  item: ChatItem;
  sessionId: string;
  names: (type: string) => AgentName;
}) {
  countRender('ChatLine', item.id);
  const { t } = useTranslation();
  const topics = useTopicNames();
  switch (item.kind) {
    case 'message': {
      const m = item.message;
      if (m.sender === 'user')
        return (
          <div className="bubble user" data-testid="msg-user">
            {m.content}
          </div>
        );
      return (
        <div
          className={m.output ? 'bubble agent' : 'internal'}
          data-testid={m.output ? 'msg-output' : 'msg-internal'}
          data-streamed={item.streamed || undefined}
        >
          <span className="who">
            <Who name={names(m.sender)} /> → <TopicName type={m.topic.type} names={topics} />
          </span>
          <span className="text">{m.content}</span>
        </div>
      );
    }
    case 'stream':
      return (
        <div className="bubble agent streaming" data-testid="msg-stream">
          <span className="who">
            <Who name={names(item.agent)} />
          </span>
          <span className="text">{item.text}</span>
        </div>
      );
    case 'input':
      return <InputRequest item={item} sessionId={sessionId} asker={names(item.request.agent)} />;
    case 'turn_end': {
      const { event } = item;
      if (!event)
        return (
          <div className="turn-end inferred" data-testid="turn-end" data-turn={item.turnId}>
            {t('run.turnEndedAway')}
          </div>
        );
      return (
        <div
          className={`turn-end reason-${event.reason}`}
          data-testid="turn-end"
          data-turn={item.turnId}
          title={event.detail}
        >
          {t('run.turnEnd', { reason: t(`reasons.${event.reason}`) })}
          {event.detail && event.reason !== 'completed' ? (
            <span className="turn-end-detail">
              : <LabelledText text={event.detail} names={names} />
            </span>
          ) : null}
          <TraceId traceId={event.traceId} />
        </div>
      );
    }
    case 'error':
      return (
        <div className="chat-error" role="alert" data-testid="chat-error">
          {item.agent && (
            <>
              <Who name={names(item.agent)} />:{' '}
            </>
          )}
          {item.text}
        </div>
      );
  }
});

function InputRequest({
  item,
  sessionId,
  asker,
}: {
  item: Extract<ChatItem, { kind: 'input' }>;
  sessionId: string;
  asker: AgentName;
}) {
  const { t } = useTranslation();
  const toast = useUi((s) => s.toast);
  const [answer, setAnswer] = useDraft(answerKey(sessionId, item.request.requestId));
  if (item.answer !== undefined)
    return (
      <div className="input-request answered">
        {item.request.prompt} → {item.answer}
      </div>
    );
  if (item.closed)
    return (
      <div className="input-request answered" data-testid="input-closed">
        {item.request.prompt} → {t('run.inputClosed')}
      </div>
    );
  return (
    <div className="input-request" data-testid="input-request">
      <span className="who">{t('run.inputFrom', { agent: asker.label })}</span>
      <span>{item.request.prompt}</span>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          sessionCalls
            .input(sessionId, item.request.requestId, answer)
            .then(() => {
              useRun.getState().answered(sessionId, item.request.requestId, answer);
              setAnswer('');
            })
            .catch((err: Error) => toast('error', err.message));
        }}
      >
        <input
          value={answer}
          onChange={(e) => setAnswer(e.target.value)}
          aria-label={item.request.prompt}
          data-testid="input-answer"
        />
        <button type="submit">{t('run.answer')}</button>
      </form>
    </div>
  );
}
