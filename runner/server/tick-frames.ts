import type { Socket } from 'socket.io';

/** What of an Engine.IO connection this reaches into (engine.io 6: socket.js, transports/websocket.js). */
interface Transport {
  name: string;
  writable: boolean;
  socket?: { _socket?: { cork(): void; uncork(): void } };
}
interface Conn {
  readyState: string;
  transport: Transport;
  flush(): void;
  on(event: 'packetCreate', listener: () => void): void;
}

/**
 * The frames a WebSocket client is sent within one turn of the event loop go to its TCP socket
 * in one write: a turn's ack and the user's message, or its reply and turn end, cost one system
 * call and wake the client once, instead of one each. The frames are unchanged (one Socket.IO
 * packet per WebSocket frame), so no client sees a difference.
 *
 * Engine.IO writes a packet at once when the transport is idle. The first packet of a tick marks
 * the transport busy, so the packets after it queue in Engine.IO's own buffer; one setImmediate
 * for all sockets then flushes each buffer with the TCP socket corked, which joins the frames.
 * Polling clients (before their upgrade) are left alone.
 */
export class TickFrames {
  private readonly held = new Map<Conn, Transport>();

  attach(socket: Socket): void {
    const conn = socket.conn as unknown as Conn;
    conn.on('packetCreate', () => this.hold(conn));
  }

  private hold(conn: Conn): void {
    const transport = conn.transport;
    if (transport.name !== 'websocket' || !transport.writable) return;
    transport.writable = false;
    if (this.held.size === 0) setImmediate(this.release);
    this.held.set(conn, transport);
  }

  private readonly release = (): void => {
    const held = [...this.held];
    this.held.clear();
    for (const [conn, transport] of held) {
      // Closed or upgraded meanwhile: Engine.IO has dropped or moved the queued packets itself.
      if (conn.transport !== transport || conn.readyState === 'closed') continue;
      transport.writable = true;
      const tcp = transport.socket?._socket;
      tcp?.cork();
      conn.flush();
      tcp?.uncork();
    }
  };
}
