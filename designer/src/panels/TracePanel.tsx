import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MessageEvent } from '../../../schemas/protocol.ts';
import { useRun } from '../run/runStore.ts';

const time = (ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour12: false }) + `.${String(ms % 1000).padStart(3, '0')}`;

/** Every message of the open sessions (or of the replay), filterable by session, topic, sender and text. */
export function TracePanel() {
  const { t } = useTranslation();
  const sessions = useRun((s) => s.sessions);
  const replay = useRun((s) => s.replay);
  const [session, setSession] = useState('');
  const [topic, setTopic] = useState('');
  const [sender, setSender] = useState('');
  const [text, setText] = useState('');

  const all: MessageEvent[] = useMemo(
    () => (replay ? replay.messages.slice(0, replay.index + 1) : Object.values(sessions).flatMap((s) => s.trace).sort((a, b) => a.time - b.time)),
    [sessions, replay],
  );
  const topics = [...new Set(all.map((m) => m.topic.type))].sort();
  const senders = [...new Set(all.map((m) => m.sender))].sort();
  const needle = text.trim().toLowerCase();
  const rows = all.filter(
    (m) =>
      (!session || m.sessionId === session) &&
      (!topic || m.topic.type === topic) &&
      (!sender || m.sender === sender) &&
      (!needle || m.content.toLowerCase().includes(needle)),
  );

  return (
    <div className="trace" data-testid="trace-panel">
      {replay && <ReplayBar />}
      <div className="filters" role="group" aria-label={t('trace.filters')}>
        <select aria-label={t('trace.session')} value={session} onChange={(e) => setSession(e.target.value)} data-testid="trace-filter-session">
          <option value="">{t('trace.allSessions')}</option>
          {Object.keys(sessions).map((id) => (
            <option key={id} value={id}>{id.slice(0, 8)}</option>
          ))}
        </select>
        <select aria-label={t('trace.topic')} value={topic} onChange={(e) => setTopic(e.target.value)} data-testid="trace-filter-topic">
          <option value="">{t('trace.allTopics')}</option>
          {topics.map((x) => (
            <option key={x} value={x}>#{x}</option>
          ))}
        </select>
        <select aria-label={t('trace.sender')} value={sender} onChange={(e) => setSender(e.target.value)} data-testid="trace-filter-sender">
          <option value="">{t('trace.allSenders')}</option>
          {senders.map((x) => (
            <option key={x} value={x}>{x}</option>
          ))}
        </select>
        <input type="search" placeholder={t('trace.search')} aria-label={t('trace.search')} value={text} onChange={(e) => setText(e.target.value)} data-testid="trace-filter-text" />
        <span className="muted">{t('trace.count', { count: rows.length })}</span>
      </div>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t('trace.time')}</th>
              <th>{t('trace.topic')}</th>
              <th>{t('trace.source')}</th>
              <th>{t('trace.sender')}</th>
              <th>{t('trace.recipients')}</th>
              <th>{t('trace.content')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((m) => (
              <tr key={`${m.sessionId}-${m.id}`} data-testid="trace-row">
                <td className="mono">{time(m.time)}</td>
                <td>#{m.topic.type}</td>
                <td className="mono" title={m.topic.source}>{m.topic.source.slice(0, 8)}</td>
                <td>{m.sender}</td>
                <td>{m.recipients.join(', ') || '—'}</td>
                <td className="content">{m.content}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 && <p className="muted empty">{t('trace.none')}</p>}
      </div>
    </div>
  );
}

/** Scrubs through a finished session; the canvas shows the hop at the slider's position. */
function ReplayBar() {
  const { t } = useTranslation();
  const replay = useRun((s) => s.replay)!;
  const current = replay.messages[replay.index];
  const start = replay.messages[0]?.time ?? 0;
  return (
    <div className="replay" data-testid="replay">
      <strong>{t('replay.title', { id: replay.sessionId.slice(0, 8) })}</strong>
      <button type="button" className="icon" aria-label={t('replay.back')} onClick={() => useRun.getState().seekReplay(replay.index - 1)}>◀</button>
      <input
        type="range"
        min={0}
        max={Math.max(0, replay.messages.length - 1)}
        value={Math.max(0, replay.index)}
        onChange={(e) => useRun.getState().seekReplay(Number(e.target.value))}
        aria-label={t('replay.slider')}
        data-testid="replay-slider"
      />
      <button type="button" className="icon" aria-label={t('replay.forward')} onClick={() => useRun.getState().seekReplay(replay.index + 1)}>▶</button>
      <span className="mono">
        {replay.index + 1}/{replay.messages.length} · +{current ? ((current.time - start) / 1000).toFixed(2) : '0.00'}s
      </span>
      {current && <span className="replay-now">{current.sender} → #{current.topic.type}</span>}
      <button type="button" onClick={() => useRun.getState().stopReplay()} data-testid="replay-stop">{t('replay.stop')}</button>
    </div>
  );
}
