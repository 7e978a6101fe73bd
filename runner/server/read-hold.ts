import type { Socket } from 'socket.io';

/**
 * A refused event is answered, and then the socket's connection is not read for a while: what
 * its client keeps sending meanwhile waits in the network buffers, where it costs the runner
 * nothing. Without this, a client that sends into its refusals makes the runner parse and answer
 * every one of them, and the runner's CPU goes to it rather than to other tenants' turns, however
 * small each refusal is. At least this long, so a flood cannot make the runner wake for it at
 * the rate its budget refills.
 */
const MIN_HOLD_MS = 100;
/** At most this long, well inside engine.io's ping timeout: the client's pong waits with the rest. */
const MAX_HOLD_MS = 5000;

interface Pausable {
  pause(): void;
  resume(): void;
  readonly isPaused: boolean;
}

/**
 * Stops reading from the socket's WebSocket for `ms` (within MIN_HOLD_MS-MAX_HOLD_MS); a long-polling
 * transport is left as it is. A socket that disconnects meanwhile is read again, so its close
 * handshake completes.
 */
export function holdReading(socket: Socket, ms: number): void {
  const ws = (socket.conn.transport as { socket?: Partial<Pausable> }).socket;
  if (typeof ws?.pause !== 'function' || typeof ws.resume !== 'function' || ws.isPaused) return;
  ws.pause();
  const resume = () => {
    clearTimeout(timer);
    socket.off('disconnect', resume);
    ws.resume!();
  };
  const timer = setTimeout(resume, Math.min(Math.max(ms, MIN_HOLD_MS), MAX_HOLD_MS)).unref();
  socket.once('disconnect', resume);
}
