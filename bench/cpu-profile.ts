import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { basename, join } from 'node:path';

/**
 * A bench server's CPU profile, cut into pieces at the moments the bench reads its CPU time:
 * with SB_BENCH_CPU_PROF=<dir>, `cut()` writes the profile since the previous cut to
 * <dir>/<name>-<pid>-<n>.cpuprofile and starts the next one. A measured window (between two CPU
 * reads) is then one file of its own. Without the variable, `cut()` does nothing.
 */
export function cpuProfiler(name: string): { cut(): Promise<void> } {
  const dir = process.env.SB_BENCH_CPU_PROF;
  if (!dir) return { cut: async () => undefined };
  const session = new Session();
  session.connect();
  let piece = 0;
  const started = session.post('Profiler.enable').then(() => session.post('Profiler.start'));
  return {
    async cut() {
      await started;
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(dir, `${basename(name)}-${process.pid}-${piece++}.cpuprofile`), JSON.stringify(profile));
      await session.post('Profiler.start');
    },
  };
}
