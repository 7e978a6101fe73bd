import { useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useVirtualizer } from '@tanstack/react-virtual';
import { create } from 'zustand';
import { useRun } from '../run/runStore.ts';
import { traceRows, type TraceFilter } from '../run/traceRows.ts';
import { withMessageCalls } from '../run/calls.ts';
import { useAgentNames, useTopicNames } from '../run/agentNames.tsx';
import { ReplayBar } from './ReplayBar.tsx';
import { TraceLine } from './TraceLine.tsx';
import { overscanFor } from './ChatColumn.tsx';

/** The waterfall's columns, named once above the rows (a call row has them in this order). */
const COLUMNS = ['agent', 'start', 'duration', 'tokens', 'cost', 'model', 'timeline'] as const;

/** The filters outlive the panel, which is mounted only while its tab shows. */
const useTraceFilter = create<TraceFilter>(() => ({ sessionId: '', agent: '', topic: '', text: '' }));
const setFilter = (change: Partial<TraceFilter>) => useTraceFilter.setState(change);

/**
 * A waterfall per turn: each agent call with its start, duration, tokens, cost and model, the
 * messages between them, and per-agent totals for the turn and the session. Filterable by
 * session, agent, topic and text; a row selects its agent on the canvas. Virtualised.
 */
export function TracePanel() {
  const { t } = useTranslation();
  const sessions = useRun((s) => s.sessions);
  const replay = useRun((s) => s.replay);
  const filter = useTraceFilter();
  const names = useAgentNames();
  const topicNames = useTopicNames();
  const scroller = useRef<HTMLDivElement>(null);

  const sources = useMemo(() => {
    if (!replay) return Object.values(sessions);
    // A replay lists what has happened up to the slider: the calls heard live, and those its messages carry.
    const live = sessions[replay.sessionId];
    const messages = replay.messages.slice(0, replay.index + 1);
    const until = messages.at(-1)?.time ?? 0;
    const calls = withMessageCalls(live?.calls ?? [], messages).filter((c) => c.start <= until);
    return [{ id: replay.sessionId, trace: messages, calls, items: live?.items ?? [] }];
  }, [sessions, replay]);
  const rows = useMemo(() => traceRows(sources, filter), [sources, filter]);
  const all = useMemo(() => sources.flatMap((s) => s.trace), [sources]);
  const topics = useMemo(() => [...new Set(all.map((m) => m.topic.type))].sort(), [all]);
  const agents = useMemo(
    () =>
      [...new Set([...all.map((m) => m.sender), ...sources.flatMap((s) => s.calls.map((c) => c.agent))])]
        .filter((a) => a !== 'user')
        .sort(),
    [all, sources],
  );
  const messageCount = rows.filter((r) => r.kind === 'message').length;

  const list = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 28,
    overscan: overscanFor(rows.length),
    getItemKey: (i) => rows[i]!.key,
  });

  return (
    <div className="trace" data-testid="trace-panel">
      {replay && <ReplayBar />}
      <div className="filters" role="group" aria-label={t('trace.filters')}>
        <select
          aria-label={t('trace.session')}
          value={filter.sessionId}
          onChange={(e) => setFilter({ sessionId: e.target.value })}
          data-testid="trace-filter-session"
        >
          <option value="">{t('trace.allSessions')}</option>
          {Object.keys(sessions).map((id) => (
            <option key={id} value={id}>
              {id.slice(0, 8)}
            </option>
          ))}
        </select>
        <select
          aria-label={t('workspace.agent')}
          value={filter.agent}
          onChange={(e) => setFilter({ agent: e.target.value })}
          data-testid="trace-filter-agent"
        >
          <option value="">{t('workspace.allAgents')}</option>
          {agents.map((x) => (
            <option key={x} value={x}>
              {names(x).label}
            </option>
          ))}
        </select>
        <select
          aria-label={t('trace.topic')}
          value={filter.topic}
          onChange={(e) => setFilter({ topic: e.target.value })}
          data-testid="trace-filter-topic"
        >
          <option value="">{t('trace.allTopics')}</option>
          {topics.map((x) => (
            <option key={x} value={x}>
              #{topicNames(x)}
            </option>
          ))}
        </select>
        <input
          type="search"
          placeholder={t('trace.search')}
          aria-label={t('trace.search')}
          value={filter.text}
          onChange={(e) => setFilter({ text: e.target.value })}
          data-testid="trace-filter-text"
        />
        <span className="muted">{t('trace.count', { count: messageCount })}</span>
      </div>
      <div className="trace-call trace-columns" aria-hidden data-testid="trace-columns">
        {COLUMNS.map((c) => (
          <span key={c}>{t(`traceColumns.${c}`)}</span>
        ))}
      </div>
      <div className="trace-rows" ref={scroller} role="list" aria-label={t('trace.title')}>
        <div style={{ height: list.getTotalSize(), position: 'relative' }}>
          {list.getVirtualItems().map((v) => (
            <div
              key={v.key}
              data-index={v.index}
              ref={list.measureElement}
              className="trace-slot"
              style={{ transform: `translateY(${v.start}px)` }}
              role="listitem"
            >
              <TraceLine row={rows[v.index]!} names={names} />
            </div>
          ))}
        </div>
        {messageCount === 0 && <p className="muted empty">{t('trace.none')}</p>}
      </div>
    </div>
  );
}
