import { afterAll } from 'vitest';
import { spawnServer, tempDir } from '../../integration/helpers.ts';

export type SpawnedRunner = Awaited<ReturnType<typeof spawnServer>>;

/**
 * Runner processes on one data folder that a test kills with SIGKILL and starts again. After the
 * file's tests the last one still running is killed and the folder removed.
 */
export function killableRunner(prefix: string): { dir: string; start(): Promise<SpawnedRunner> } {
  const dir = tempDir(prefix);
  let last: SpawnedRunner | undefined;
  afterAll(async () => {
    if (last) {
      last.child.kill('SIGKILL');
      await last.exited;
    }
    dir.remove();
  });
  return {
    dir: dir.path,
    start: async () => (last = await spawnServer(['--data', dir.path])),
  };
}
