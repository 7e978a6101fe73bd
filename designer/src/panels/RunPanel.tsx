import { useTranslation } from 'react-i18next';
import { Play } from 'lucide-react';
import { useRun } from '../run/runStore.ts';
import { ChatColumn } from './ChatColumn.tsx';

type Props = {
  graphId: string;
  runnable: boolean;
  onStart: () => void;
  busy: boolean;
  /** Why the graph cannot run: its first error, in words (with how many more there are). */
  blocker?: { text: string; more: number };
  onShowProblems: () => void;
};

/** Sessions of the open graph side by side, each isolated in its own column; they share the width. */
export function RunPanel({ graphId, runnable, onStart, busy, blocker, onShowProblems }: Props) {
  const { t } = useTranslation();
  const order = useRun((s) => s.order);
  const sessions = useRun((s) => s.sessions);
  return (
    <div className="run-panel" data-testid="run-panel">
      <div className="run-toolbar">
        <button
          type="button"
          className="primary"
          onClick={onStart}
          disabled={!runnable || busy}
          data-testid="start-session"
        >
          <Play size={14} aria-hidden /> {t('run.start')}
        </button>
        {!runnable && (
          <span className="not-runnable" role="status" data-testid="not-runnable">
            {blocker ? t('runBlocked.because', { problem: blocker.text, count: blocker.more }) : t('run.notRunnable')}{' '}
            <button type="button" className="link" onClick={onShowProblems} data-testid="show-problems">
              {t('runBlocked.show')}
            </button>
          </span>
        )}
      </div>
      <div className="chats" data-count={Math.min(order.length, 4)}>
        {order.map((id) => sessions[id] && <ChatColumn key={id} session={sessions[id]} graphId={graphId} />)}
        {order.length === 0 && <p className="muted empty">{t('run.none')}</p>}
      </div>
    </div>
  );
}
