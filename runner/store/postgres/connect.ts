import postgres, { type Sql } from 'postgres';

export interface PostgresConnection {
  /** postgres://user@host:port/database */
  url: string;
  /** The schema the store's tables live in (the connection's search_path); the server's default when omitted. */
  schema?: string;
  /** Connections in the pool. */
  max?: number;
}

/** A pool of connections to the store's database; tables are found on `schema`. */
export function connectPostgres({ url, schema, max = 10 }: PostgresConnection): Sql {
  return postgres(url, {
    max,
    // Notices (e.g. "relation already exists, skipping") are not problems worth a log line.
    onnotice: () => undefined,
    connect_timeout: 10,
    ...(schema ? { connection: { search_path: schema } } : {}),
  });
}
