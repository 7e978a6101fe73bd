import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import {
  CirclePower,
  FlaskConical,
  History,
  MessagesSquare,
  Pause,
  Play,
  Square,
  X,
  type LucideIcon,
} from 'lucide-react';
import type { SessionState } from '../../../schemas/protocol.ts';
import { sessionCalls } from '../api/socket.ts';
import { sessionsApi } from '../api/sessions.ts';
import { useRun } from '../run/runStore.ts';
import { useRunArea } from '../run/runArea.ts';
import { useUi } from '../store/uiStore.ts';
import { testCaseFromTrace, loadTestCases, saveTestCases } from '../run/testCases.ts';
import { IconButton } from './IconButton.tsx';

/** Which controls apply in each session state: a turn can be paused or aborted only while one runs. */
const TURN_RUNNING: ReadonlySet<SessionState> = new Set(['running', 'waiting_input']);
const TURN_OPEN: ReadonlySet<SessionState> = new Set(['running', 'waiting_input', 'paused']);

// The ids older tests know these two by.
const TEST_IDS: Record<string, string> = { replay: 'replay-session', 'save-test': 'save-test' };

type Control = {
  id: string;
  icon: LucideIcon;
  label: string;
  enabled: boolean;
  run: () => unknown;
  danger?: boolean;
  pressed?: boolean;
};

type Props = {
  id: string;
  state: SessionState;
  recorded: boolean;
  graphId: string;
  /** Whether the chat shows the messages agents send each other, and its switch. */
  internal: boolean;
  onInternal: (shown: boolean) => void;
};

/**
 * A session's controls as labelled icon buttons; the ones that do not apply to its state are
 * disabled. Memoised on the state: a new chat line does not redraw the icons.
 */
export const ChatControls = memo(function ChatControls({ id, state, recorded, graphId, internal, onInternal }: Props) {
  const { t } = useTranslation();
  const toast = useUi((s) => s.toast);
  const act = (what: () => Promise<unknown>) => what().catch((e: Error) => toast('error', e.message));
  const trace = () => useRun.getState().sessions[id]?.trace ?? [];

  const replay = () =>
    act(async () => {
      const messages = await sessionsApi.transcript(id).catch(() => trace());
      useRun.getState().startReplay(id, messages.length ? messages : trace(), true);
      useRunArea.getState().show('trace');
    });
  const saveAsTest = () => {
    const test = testCaseFromTrace(t('tests.defaultName', { id: id.slice(0, 8) }), trace());
    saveTestCases(graphId, [...loadTestCases(graphId), test]);
    toast('info', t('tests.saved', { name: test.name }));
    window.dispatchEvent(new Event('switchboard:tests'));
  };

  const controls: Control[] = [
    {
      id: 'pause',
      icon: Pause,
      label: t('run.pause'),
      enabled: TURN_RUNNING.has(state),
      run: () => act(() => sessionCalls.pause(id)),
    },
    {
      id: 'resume',
      icon: Play,
      label: t('run.resume'),
      enabled: state === 'paused',
      run: () => act(() => sessionCalls.resume(id)),
    },
    {
      id: 'abort',
      icon: Square,
      label: t('run.abort'),
      enabled: TURN_OPEN.has(state),
      run: () => act(() => sessionCalls.abort(id)),
    },
    { id: 'replay', icon: History, label: t('workspace.replay'), enabled: recorded, run: replay },
    { id: 'save-test', icon: FlaskConical, label: t('run.saveTest'), enabled: recorded, run: saveAsTest },
    {
      id: 'end',
      icon: CirclePower,
      label: t('run.end'),
      enabled: state !== 'closed',
      run: () => act(() => sessionCalls.close(id)),
      danger: true,
    },
    {
      id: 'internal',
      icon: MessagesSquare,
      label: t('run.showInternal'),
      enabled: true,
      run: () => onInternal(!internal),
      pressed: internal,
    },
    { id: 'dismiss', icon: X, label: t('run.dismiss'), enabled: true, run: () => useRun.getState().dismiss(id) },
  ];

  return (
    <div className="chat-controls" role="toolbar" aria-label={t('workspace.controls')}>
      {controls.map(({ id: control, icon, label, enabled, run, danger, pressed }) => (
        <IconButton
          key={control}
          icon={icon}
          label={label}
          disabled={!enabled}
          onClick={run}
          danger={danger}
          pressed={pressed}
          text={control === 'replay' ? t('workspace.replayShort') : undefined}
          testId={TEST_IDS[control] ?? `chat-${control}`}
        />
      ))}
    </div>
  );
});
