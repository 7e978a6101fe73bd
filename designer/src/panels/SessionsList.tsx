import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { CirclePower, MessageSquarePlus, Pause, Play } from 'lucide-react';
import type { SessionInfo } from '../../../schemas/protocol.ts';
import { sessionsApi } from '../api/sessions.ts';
import { sessionCalls } from '../api/socket.ts';
import { attachSession } from '../run/actions.ts';
import { useUi } from '../store/uiStore.ts';
import { IconButton } from './IconButton.tsx';

const POLL_MS = 3000;

function idle(t: TFunction, ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return t('sessions.idleSeconds', { s });
  if (s < 3600) return t('sessions.idleMinutes', { m: Math.floor(s / 60), s: s % 60 });
  return t('sessions.idleHours', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
}

/** Every session of this graph on the runner, whoever started it: attach, pause, resume, end. Polls while shown. */
export function SessionsList({ graphId, active }: { graphId: string; active: boolean }) {
  const { t } = useTranslation();
  const toast = useUi((s) => s.toast);
  const [sessions, setSessions] = useState<SessionInfo[]>([]);
  const [error, setError] = useState<string>();
  const [now, setNow] = useState(Date.now());
  // Bumped after an action, so its effect shows at once instead of at the next poll.
  const [asked, setAsked] = useState(0);
  const refresh = () => setAsked((n) => n + 1);

  useEffect(() => {
    if (!active) return;
    let stopped = false;
    const load = () =>
      sessionsApi
        .list(graphId)
        .then((list) => {
          if (stopped) return;
          setSessions(list);
          setNow(Date.now());
          setError(undefined);
        })
        .catch((e: Error) => !stopped && setError(e.message));
    void load();
    const timer = setInterval(load, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [graphId, active, asked]);

  const act = (what: () => Promise<unknown>) => what().catch((e: Error) => toast('error', e.message));

  return (
    <div className="sessions" data-testid="sessions-list">
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>{t('sessions.id')}</th>
            <th>{t('sessions.state')}</th>
            <th>{t('sessions.owner')}</th>
            <th>{t('sessions.idle')}</th>
            <th>{t('sessions.tokens')}</th>
            <th>{t('sessions.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id} data-testid="session-row" data-session={s.id}>
              <td className="mono" title={s.id}>
                {s.id.slice(0, 8)}
              </td>
              <td>
                <span className={`state state-${s.state}`} data-testid="session-row-state">
                  {t(`state.${s.state}`)}
                </span>
              </td>
              <td>{s.owner ?? s.user ?? '—'}</td>
              <td>{idle(t, now - s.lastActiveAt)}</td>
              <td>{s.usage.promptTokens + s.usage.completionTokens}</td>
              <td className="actions">
                <div>
                  <IconButton
                    icon={MessageSquarePlus}
                    label={t('sessionsList.attach')}
                    text={t('sessions.attach')}
                    onClick={() => act(() => attachSession(s))}
                    testId="session-attach"
                  />
                  <IconButton
                    icon={Pause}
                    label={t('run.pause')}
                    onClick={() => act(() => sessionCalls.pause(s.id).then(refresh))}
                    disabled={s.state !== 'running' && s.state !== 'waiting_input'}
                    testId="session-pause"
                  />
                  <IconButton
                    icon={Play}
                    label={t('run.resume')}
                    onClick={() => act(() => sessionCalls.resume(s.id).then(refresh))}
                    disabled={s.state !== 'paused'}
                    testId="session-resume"
                  />
                  <IconButton
                    icon={CirclePower}
                    label={t('run.end')}
                    danger
                    onClick={() => act(() => sessionCalls.close(s.id).then(refresh))}
                    disabled={s.state === 'closed'}
                    testId="session-end"
                  />
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {sessions.length === 0 && !error && <p className="muted empty">{t('sessions.none')}</p>}
    </div>
  );
}
