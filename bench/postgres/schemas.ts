import type { TestSchema } from '../../runner/store/postgres/test-support.ts';

/** A DATABASE_URL on a schema, its connections named so their backends can be found. */
export function databaseUrl(s: TestSchema, application: string): string {
  return `${s.url}?search_path=${s.schema}&application_name=${application}`;
}

/** The server processes of the connections an application opened. */
export async function backendPids(s: TestSchema, application: string): Promise<number[]> {
  const rows = await s.sql<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE application_name = ${application}`;
  return rows.map((r) => r.pid);
}
