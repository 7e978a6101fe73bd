import { WebSocket } from 'ws';

/**
 * A load generator's Socket.IO client: Socket.IO's wire format (Engine.IO 4 over one WebSocket)
 * spoken directly. The clients share the machine's cores with the runners and Redis they load,
 * and socket.io-client spends ~0.04 ms of CPU per echo turn where this spends ~0.025: what the
 * load generator saves goes to the processes being measured. Only what a bench needs: the
 * default namespace, text packets, events, acknowledgements and pings.
 *
 * Packets: "0{…}" open, "40" connect to "/", "44{…}" connect refused, "42[name, data]" event,
 * "42<id>[name, data]" event wanting an ack, "43<id>[data]" ack, "2" ping answered by "3".
 */
export class WireClient {
  private readonly acks = new Map<number, (data: unknown) => void>();
  private readonly handlers = new Map<string, (data: unknown) => void>();
  private nextAck = 0;

  private constructor(private readonly ws: WebSocket) {}

  /** Connected to the default namespace of the Socket.IO server at `url` (http://host:port). */
  static connect(url: string, timeoutMs = 10_000): Promise<WireClient> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: false,
    });
    const client = new WireClient(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`no Socket.IO connection to ${url} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        ws.terminate();
        reject(error);
      };
      ws.once('error', fail);
      ws.on('message', (data: Buffer) => {
        const packet = data.toString();
        if (packet[0] === '0') return ws.send('40');
        if (packet.startsWith('44')) return fail(new Error(`connection refused: ${packet.slice(2)}`));
        if (packet.startsWith('40')) {
          clearTimeout(timer);
          ws.off('error', fail);
          ws.removeAllListeners('message');
          ws.on('message', (d: Buffer) => client.receive(d.toString()));
          resolve(client);
        }
      });
    });
  }

  /** Sends an event and resolves with the server's acknowledgement. */
  emitWithAck(event: string, data: unknown, timeoutMs = 30_000): Promise<unknown> {
    const id = this.nextAck++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        reject(new Error(`no ack for ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.acks.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.ws.send(`42${id}${JSON.stringify([event, data])}`);
    });
  }

  /** One handler per event name, replacing any earlier one. */
  on(event: string, handler: (data: unknown) => void): void {
    this.handlers.set(event, handler);
  }

  close(): void {
    this.ws.close();
  }

  private receive(packet: string): void {
    if (packet === '2') return void this.ws.send('3');
    const kind = packet.slice(0, 2);
    if (kind !== '42' && kind !== '43') return;
    // The ack id (if any) runs up to the JSON array.
    const start = packet.indexOf('[');
    if (kind === '43') {
      const id = Number(packet.slice(2, start));
      const ack = this.acks.get(id);
      this.acks.delete(id);
      ack?.((JSON.parse(packet.slice(start)) as unknown[])[0]);
      return;
    }
    // Events nobody listens to are not parsed: the name is the array's first string (no escapes in ours).
    const name = packet.slice(start + 2, packet.indexOf('"', start + 2));
    const handler = this.handlers.get(name);
    if (handler) handler((JSON.parse(packet.slice(start)) as unknown[])[1]);
  }
}
