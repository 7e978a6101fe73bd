import { existsSync } from 'node:fs';

/**
 * `npm run bench [-- --json] [group...]`: runs benchmark groups and prints a table, or one JSON
 * object of `name: number` with --json. Each group is bench/<group>.ts, or
 * bench/<group>/index.ts, exporting `run()`.
 * Figure names are read by tools: keep them stable.
 */
const GROUPS = [
  'runtime',
  'runner',
  'designer',
  'cluster',
  'mcp',
  'stream',
  'openai-turn',
  'drift',
  'postgres',
] as const;

const args = process.argv.slice(2);
const json = args.includes('--json');
const asked = args.filter((a) => !a.startsWith('--'));
const unknown = asked.filter((g) => !(GROUPS as readonly string[]).includes(g));
if (unknown.length) {
  console.error(`unknown bench group(s): ${unknown.join(', ')}; groups are ${GROUPS.join(', ')}`);
  process.exit(2);
}
const groups = asked.length ? asked : [...GROUPS];

const figures: Record<string, number> = {};
for (const group of groups) {
  // A group is one file, or a folder of benchmarks with an index.ts.
  const path = existsSync(new URL(`./${group}/index.ts`, import.meta.url)) ? `./${group}/index.ts` : `./${group}.ts`;
  const mod = (await import(path)) as { run: (log: (s: string) => void) => Promise<Record<string, number>> };
  const log = (s: string) => (json ? process.stderr : process.stdout).write(`[${group}] ${s}\n`);
  const result = await mod.run(log);
  Object.assign(figures, result);
  if (!json) {
    console.log(`\n${group}`);
    for (const [name, value] of Object.entries(result)) console.log(`  ${name.padEnd(40)} ${format(value)}`);
  }
}
if (json) console.log(JSON.stringify(figures));
process.exit(0);

function format(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}
