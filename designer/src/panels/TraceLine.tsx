import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { useReactFlow } from '@xyflow/react';
import type { TFunction } from 'i18next';
import type { Usage } from '../../../schemas/protocol.ts';
import type { TraceRow } from '../run/traceRows.ts';
import type { AgentTotals } from '../run/calls.ts';
import { TopicName, useModelNames, useTopicNames, Who, type AgentName } from '../run/agentNames.tsx';
import { TraceId } from '../run/TraceId.tsx';
import { useEditorStore } from '../store/editorContext.tsx';

// Made once: building a formatter per row was a visible part of a live event's cost.
const clock = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const time = (ms: number) => `${clock.format(ms)}.${String(ms % 1000).padStart(3, '0')}`;
const duration = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);
const tokens = (u: Usage | undefined) => (u ? u.promptTokens + u.completionTokens : 0);
const cost = (u: Usage | undefined) => (u && u.cost > 0 ? `$${u.cost.toFixed(4)}` : '—');

type Props = { row: TraceRow; names: (type: string) => AgentName };

/** Selects the agent's node on the canvas and brings it into view. */
function useSelectAgent(names: (type: string) => AgentName) {
  const store = useEditorStore();
  const flow = useReactFlow();
  return (type: string) => {
    const id = names(type).id;
    if (!id) return;
    store.getState().setSelection({ nodes: [id], edges: [] });
    void flow.fitView({ nodes: [{ id }], duration: 300, maxZoom: 1.2 });
  };
}

/** One row of the trace: a session or turn header with totals, an agent call bar, or a message. */
export const TraceLine = memo(function TraceLine({ row, names }: Props) {
  const { t } = useTranslation();
  const models = useModelNames();
  const topics = useTopicNames();
  const select = useSelectAgent(names);
  switch (row.kind) {
    case 'session':
      return (
        <div className="trace-session" data-testid="trace-session">
          <strong>{t('run.session', { id: row.sessionId.slice(0, 8) })}</strong>
          <Totals
            label={t('workspace.sessionTotals')}
            totals={row.totals}
            names={names}
            t={t}
            testId="session-totals"
          />
        </div>
      );
    case 'turn':
      return (
        <div className="trace-turn" data-testid="trace-turn" data-turn={row.turnId}>
          <strong>{t('workspace.turn', { n: row.index })}</strong>
          <span className="mono">{time(row.start)}</span>
          <span>{duration(row.end - row.start)}</span>
          {row.ended && <span className={`reason-${row.ended.reason}`}>{t(`reasons.${row.ended.reason}`)}</span>}
          {row.ended?.usage && (
            <span>
              {t('run.tokens', { count: tokens(row.ended.usage) })} · {cost(row.ended.usage)}
            </span>
          )}
          <TraceId traceId={row.ended?.traceId} />
          <Totals label={t('workspace.turnTotals')} totals={row.totals} names={names} t={t} testId="turn-totals" />
        </div>
      );
    case 'call': {
      const { call } = row;
      const ms = (call.end ?? call.start) - call.start;
      const left = ((call.start - row.turnStart) / row.span) * 100;
      const width = Math.max(0.5, (ms / row.span) * 100);
      return (
        <button
          type="button"
          className={`trace-call outcome-${call.outcome}`}
          onClick={() => select(call.agent)}
          data-testid="trace-call"
          data-agent={call.agent}
          title={call.error}
        >
          <span className="trace-agent">
            <Who name={names(call.agent)} />
          </span>
          <span className="mono" data-testid="call-start">
            +{duration(call.start - row.turnStart)}
          </span>
          <span className="mono" data-testid="call-duration">
            {call.outcome === 'running' ? t('workspace.running') : duration(ms)}
          </span>
          <span className="mono" data-testid="call-tokens">
            {t('run.tokens', { count: tokens(call.usage) })}
          </span>
          <span className="mono">{cost(call.usage)}</span>
          <span className="trace-model">{models(call.model) ?? '—'}</span>
          <span className="trace-bar" aria-hidden>
            <span style={{ left: `${left}%`, width: `${width}%` }} />
          </span>
          {call.outcome === 'cut' && <span className="muted">{t('workspace.cut')}</span>}
          {call.outcome === 'error' && <span className="reason-error">{t('workspace.failed')}</span>}
        </button>
      );
    }
    case 'message': {
      const m = row.message;
      return (
        <button
          type="button"
          className="trace-message"
          onClick={() => m.sender !== 'user' && select(m.sender)}
          data-testid="trace-row"
          data-sender={m.sender}
        >
          <span className="mono">+{duration(m.time - row.turnStart)}</span>
          <span className="trace-route">
            <Who name={names(m.sender)} /> → <TopicName type={m.topic.type} names={topics} />
            {m.recipients.length > 0 && <> → {m.recipients.map((r) => names(r).label).join(', ')}</>}
          </span>
          <span className="trace-content">{m.content}</span>
        </button>
      );
    }
  }
});

function Totals({
  label,
  totals,
  names,
  t,
  testId,
}: {
  label: string;
  totals: AgentTotals[];
  names: (type: string) => AgentName;
  t: TFunction;
  testId: string;
}) {
  if (totals.length === 0) return null;
  return (
    <span className="trace-totals" aria-label={label} data-testid={testId}>
      {totals.map((x) => (
        <span key={x.agent} className="chip" data-agent={x.agent}>
          {names(x.agent).label} · {t('workspace.calls', { count: x.calls })} · {duration(x.ms)} ·{' '}
          {t('run.tokens', { count: tokens(x.usage) })} · {cost(x.usage)}
        </span>
      ))}
    </span>
  );
}
