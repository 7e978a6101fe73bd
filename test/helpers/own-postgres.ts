import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/**
 * A throwaway PostgreSQL cluster of the test's own (initdb in a temp folder, a free loopback
 * port, trust auth), so a test can restart its database: the shared server on 5432 is everyone's.
 * The server runs as the `postgres` user, as it refuses to run as root.
 */
export interface OwnPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  /** Stops the server at once (`-m immediate`: no clean shutdown, as a crash), then starts it again after `downMs`. */
  restart(downMs?: number): Promise<void>;
  stop(): void;
}

const BIN = ['/usr/lib/postgresql/15/bin', '/usr/local/bin'].find((dir) => existsSync(join(dir, 'pg_ctl')));

export async function startOwnPostgres(): Promise<OwnPostgres> {
  if (!BIN) throw new Error('pg_ctl not found (looked in /usr/lib/postgresql/15/bin and /usr/local/bin)');
  const dir = mkdtempSync(join(tmpdir(), 'sb-own-pg-'));
  chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'])), Number(execFileSync('id', ['-g', 'postgres'])));
  const data = join(dir, 'data');
  const port = await freePort();
  const asPostgres = (args: string[]) =>
    execFileSync('su', ['postgres', '-c', args.map((a) => `'${a}'`).join(' ')], { stdio: 'pipe', timeout: 60_000 });
  const start = () =>
    asPostgres([
      join(BIN, 'pg_ctl'),
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
  const stop = () => asPostgres([join(BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']);
  asPostgres([join(BIN, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart(downMs = 1000) {
      stop();
      await new Promise((r) => setTimeout(r, downMs));
      start();
    },
    stop() {
      try {
        stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
