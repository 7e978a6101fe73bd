import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { formatTally, sumTally } from './tally.ts';

/** Owns the tally file for one run and prints the suite's one-line summary when it ends. */
export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'hardening-tally-'));
  const file = join(dir, 'tally.jsonl');
  writeFileSync(file, '');
  project.provide('hardeningTallyFile', file);
  return () => {
    const line = formatTally(sumTally(readFileSync(file, 'utf8')));
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write(line + '\n');
  };
}
