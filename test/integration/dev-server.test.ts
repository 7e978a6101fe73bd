import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ROOT, tempDir } from './helpers.ts';

/**
 * `npm run dev`: the runner plus Vite's dev server, which serves the designer from its sources
 * and passes /api and /socket.io on to the runner. What the designer needs of it: the page, the
 * REST API and a WebSocket through the proxy.
 */
describe('npm run dev', () => {
  const data = tempDir('sb-dev-');
  let child: ChildProcess;
  let designer: string;
  let exited: Promise<number | null>;

  beforeAll(async () => {
    // Free ports for both servers, the embedded store in a temp folder, no cluster even where CI sets REDIS_URL.
    child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'runner/dev.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', DESIGNER_PORT: '0', DATA_DIR: data.path, REDIS_URL: '', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((ok) => child.on('exit', (code) => ok(code)));
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    designer = await new Promise<string>((ok, fail) => {
      let out = '';
      const timer = setTimeout(
        () => fail(new Error(`npm run dev printed no designer URL in 60 s: ${out} ${stderr}`)),
        60_000,
      );
      child.stdout!.on('data', (d) => {
        out += d;
        const url = /^designer (http:\/\/\S+)/m.exec(out)?.[1];
        if (url) {
          clearTimeout(timer);
          ok(url.replace(/\/$/, ''));
        }
      });
      void exited.then((code) => fail(new Error(`npm run dev exited with ${code}: ${stderr}`)));
    });
  });

  afterAll(async () => {
    child?.kill('SIGTERM');
    // Vite closes on SIGTERM and the runner shuts down with it.
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
    if (code === 'still running') child.kill('SIGKILL');
    data.remove();
  });

  it('serves the designer page from its sources', async () => {
    const page = await fetch(`${designer}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root"></div>');
    // Vite's dev client: the page reloads as the sources change.
    expect(html).toContain('/@vite/client');
  });

  it('passes the REST API on to the runner', async () => {
    const health = await api(designer, 'GET', '/api/health');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ ok: true });
    const examples = await api(designer, 'GET', '/api/graphs');
    expect(examples.status).toBe(200);
  });

  it('passes a Socket.IO WebSocket on to the runner', async () => {
    const socket = io(designer, { transports: ['websocket'], reconnection: false, forceNew: true });
    try {
      await new Promise<void>((ok, fail) => {
        socket.once('connect', () => ok());
        socket.once('connect_error', fail);
      });
      const ack = (await socket.timeout(10_000).emitWithAck('session:join', { sessionId: 'not-a-session' })) as {
        ok: boolean;
        error?: { code: string };
      };
      // The runner answered: the id is refused by its rules, not by the proxy.
      expect(ack.ok).toBe(false);
      expect(ack.error?.code).toBeDefined();
    } finally {
      socket.disconnect();
    }
  });
});
