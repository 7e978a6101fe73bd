import type { Socket } from 'socket.io';

/**
 * Socket.IO has no backpressure: while a client does not read, the engine keeps every packet for
 * it in memory. Packets pile up in the engine's write buffer only while the transport is still
 * busy with earlier ones; once more than `maxBytes` of them wait, the client is cut off (it can
 * reconnect and catch up from the transcript), so one stalled reader cannot grow the runner
 * without bound.
 */
export function cutOffWhenBacklogged(socket: Socket, maxBytes: number, onCutOff: (queuedBytes: number) => void): void {
  let queued = 0;
  let cut = false;
  socket.conn.on('flush', () => {
    queued = 0;
  });
  socket.conn.on('packetCreate', (packet: { data?: string | ArrayBufferLike | ArrayBufferView }) => {
    const data = packet.data;
    queued += typeof data === 'string' ? data.length : (data?.byteLength ?? 0);
    if (cut || queued <= maxBytes) return;
    cut = true;
    onCutOff(queued);
    // Discard, not a graceful close: a graceful one waits for the buffer to drain, which never happens.
    socket.conn.close(true);
  });
}
