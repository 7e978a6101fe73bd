import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRunner } from '../../runner/app.ts';
import { parseConfig, type ConfigInput } from '../../runner/config.ts';

export type TestRunner = { url: string; close(): Promise<void> };

/**
 * The real runner in-process on a free loopback port, with its data in a temp folder. The config
 * is built without the environment: CI exports REDIS_URL, and a shared Redis would carry graphs
 * over from earlier runs.
 */
export async function startTestRunner(config: ConfigInput = {}): Promise<TestRunner> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-browser-'));
  const runner = await startRunner({
    config: parseConfig({ ...config, port: 0, host: '127.0.0.1', dataDir, logLevel: 'error' }),
  });
  return {
    url: runner.url,
    async close() {
      await runner.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
