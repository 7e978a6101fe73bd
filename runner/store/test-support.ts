import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { CrashStep } from './crash-after.fixture.ts';

/** A child-process helper of this folder (`<name>.fixture.ts`). */
export const fixture = (name: string) => join(dirname(fileURLToPath(import.meta.url)), `${name}.fixture.ts`);

/** Runs `steps` on a store in `dir` in a child process that exits right after, without closing it. */
export async function crashAfter(dir: string, steps: CrashStep[]): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture('crash-after'), dir], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  child.stdin.end(JSON.stringify(steps));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  expect(code).toBe(0);
}
