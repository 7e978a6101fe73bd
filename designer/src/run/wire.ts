import { onServer, runnerSocket, sessionCalls } from '../api/socket.ts';
import { useRun } from './runStore.ts';
import { useUi } from '../store/uiStore.ts';
import i18n from '../i18n/index.ts';
import { frameBatcher } from './frameBatch.ts';

let wired = false;

/** Routes the runner's events into the run store; events of sessions not open here are ignored. */
export function wireRunnerEvents(): void {
  if (wired) return;
  wired = true;
  const run = () => useRun.getState();
  const later = frameBatcher();
  onServer('message', (e) => later(() => run().onMessage(e)));
  onServer('token', (e) => later(() => run().onToken(e)));
  onServer('agent', (e) => later(() => run().onAgent(e)));
  onServer('input_request', (e) => later(() => run().onInputRequest(e)));
  onServer('turn_end', (e) => later(() => run().onTurnEnd(e)));
  onServer('usage', (e) => later(() => run().onUsage(e)));
  onServer('session', (e) => later(() => run().onState(e.sessionId, e.state)));
  onServer('warning', (e) =>
    later(() => {
      if (e.sessionId && run().sessions[e.sessionId]) run().onError(e.sessionId, `⚠ ${e.message}`);
      else useUi.getState().toast('info', e.message);
    }),
  );
  onServer('error', (e) => useUi.getState().toast('error', `${e.code}: ${e.message}`));
  // A reconnected socket is in no room, and the runner keeps no replay buffer per connection:
  // each open session is joined again from the last message seen here. The catch-up is merged
  // in transcript order (live events may overtake it), the session's state ends the turns
  // whose turn_end was sent while this tab was away, and the input requests still open are
  // shown (one asked while away was never heard here).
  let connected = runnerSocket().connected;
  runnerSocket().on('connect', () => {
    if (!connected) {
      connected = true;
      return;
    }
    for (const [id, s] of Object.entries(run().sessions)) {
      const after = s.trace.at(-1)?.id;
      void sessionCalls.join(id, after).then(
        ({ session, messages }) => run().catchUp(session, after, messages),
        // Otherwise the chat would look live and never change again.
        (e: Error) => run().onError(id, i18n.t('run.rejoinFailed', { error: e.message })),
      );
    }
  });
}
