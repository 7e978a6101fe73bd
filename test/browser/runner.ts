import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRunner } from '../../runner/app.ts';

export type TestRunner = { url: string; close(): Promise<void> };

/** The real runner in-process on a free loopback port, with its data in a temp folder. */
export async function startTestRunner(): Promise<TestRunner> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-browser-'));
  const runner = await startRunner({ overrides: { port: 0, host: '127.0.0.1', dataDir } });
  return {
    url: runner.url,
    async close() {
      await runner.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
