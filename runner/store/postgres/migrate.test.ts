import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres } from './connect.ts';
import { migrate, readMigrations } from './migrate.ts';
import { createTestSchema, type TestSchema } from './test-support.ts';

let db: TestSchema;
beforeAll(async () => {
  db = await createTestSchema('migrate');
});
afterAll(async () => {
  await db.drop();
});

describe('PostgreSQL migrations', () => {
  it('several runners starting together migrate once', async () => {
    const runners = Array.from({ length: 6 }, () => connectPostgres({ url: db.url, schema: db.schema, max: 1 }));
    try {
      const applied = await Promise.all(runners.map((sql) => migrate(sql)));
      const all = (await readMigrations()).map((m) => m.name);
      // Exactly one runner applied every migration; the others found nothing to do.
      expect(applied.filter((names) => names.length > 0)).toEqual([all]);
      const rows = await db.sql<
        { version: number; name: string }[]
      >`SELECT version, name FROM schema_migrations ORDER BY version`;
      expect(rows.map((r) => r.name)).toEqual(all);
      expect(await migrate(runners[0]!)).toEqual([]);
    } finally {
      await Promise.all(runners.map((sql) => sql.end({ timeout: 1 })));
    }
  });

  it('applies a new numbered migration once, and a failing one not at all', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-migrations-'));
    try {
      const existing = await readMigrations();
      await writeFile(join(dir, '901_add_note.sql'), 'CREATE TABLE note (id integer PRIMARY KEY);');
      expect(await migrate(db.sql, [...existing, ...(await readMigrations(dir))])).toEqual(['901_add_note.sql']);
      expect(await migrate(db.sql, [...existing, ...(await readMigrations(dir))])).toEqual([]);
      await writeFile(join(dir, '902_broken.sql'), 'CREATE TABLE half (id integer); SELECT no_such_function();');
      await expect(migrate(db.sql, [...existing, ...(await readMigrations(dir))])).rejects.toThrow(/no_such_function/);
      // The whole transaction rolled back: neither the table nor the record of it is there.
      const [{ half }] = await db.sql<{ half: string | null }[]>`SELECT to_regclass('half')::text AS half`;
      expect(half).toBeNull();
      expect((await db.sql`SELECT 1 FROM schema_migrations WHERE version = 902`).count).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
