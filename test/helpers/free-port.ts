import { createServer } from 'node:net';

/** A loopback port nothing listens on right now, for a server that cannot take port 0 (redis-server, postgres). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
