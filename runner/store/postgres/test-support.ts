import { randomBytes } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { connectPostgres } from './connect.ts';
import { PostgresStore } from './postgres-store.ts';

/**
 * Test helper: the real PostgreSQL at TEST_DATABASE_URL (default the local one, database `test`,
 * which .ci/run makes sure exists). Each test file works in a schema of its own, dropped after.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  url: string;
  schema: string;
  /** A connection whose search_path is the schema, for looking at what a store wrote. */
  sql: Sql;
  /** A store on the schema (migrated); the caller closes it. */
  open(): Promise<PostgresStore>;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** A fresh schema `sb_test_<suite>_<random>`; fails loudly (never skips) when PostgreSQL is down. */
export async function createTestSchema(suite: string): Promise<TestSchema> {
  const schema = `sb_test_${suite.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => undefined, connect_timeout: 5 });
  try {
    await admin.unsafe(`CREATE SCHEMA "${schema}"`);
  } catch (error) {
    await admin.end({ timeout: 1 });
    throw new Error(
      `PostgreSQL at ${TEST_DATABASE_URL} is unusable (start it, create database "test", or set TEST_DATABASE_URL): ${(error as Error).message}`,
    );
  }
  const sql = connectPostgres({ url: TEST_DATABASE_URL, schema, max: 2 });
  return {
    url: TEST_DATABASE_URL,
    schema,
    sql,
    open: () => PostgresStore.open({ url: TEST_DATABASE_URL, schema }),
    async drop() {
      await sql.end({ timeout: 1 });
      await admin.unsafe(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.end({ timeout: 1 });
    },
  };
}

/** Every row of every store table in the schema, in a stable order: what a store has written. */
export async function tableContents(sql: Sql): Promise<Record<string, unknown[]>> {
  const tables = ['graphs', 'sessions', 'transcript_entries', 'snapshot_changes', 'session_fences', 'memories'];
  const out: Record<string, unknown[]> = {};
  for (const table of tables)
    out[table] = await sql.unsafe(`SELECT * FROM ${table} ORDER BY 1, 2${table === 'session_fences' ? '' : ', 3'}`);
  return out;
}
