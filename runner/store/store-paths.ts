import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { invalid } from '../errors.ts';

/**
 * Where the embedded store keeps each record. Every segment is checked before it becomes part of
 * a path, so no id can walk out of the data dir ("..", separators, NUL are refused).
 */
const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

export function segment(kind: string, value: unknown): string {
  if (typeof value !== 'string' || !SEGMENT.test(value)) {
    throw invalid(`${kind} id ${JSON.stringify(value)} is not allowed: use 1-64 letters, digits, "_" or "-"`, {
      field: kind,
    });
  }
  return value;
}

/** User names are free text (emails, display names): plain ones stay readable, others are hashed. */
export function userFileName(user: string): string {
  if (typeof user !== 'string' || user.length === 0 || user.length > 200) {
    throw invalid(`user ${JSON.stringify(user)} is not allowed: use 1-200 characters`, { field: 'user' });
  }
  return SEGMENT.test(user) ? `u-${user}` : `h-${createHash('sha256').update(user).digest('hex')}`;
}

export class StorePaths {
  constructor(readonly root: string) {}

  tenantsDir(): string {
    return join(this.root, 'tenants');
  }
  tenantDir(tenant: string): string {
    return join(this.tenantsDir(), segment('tenant', tenant));
  }
  graphsDir(tenant: string): string {
    return join(this.tenantDir(tenant), 'graphs');
  }
  graphDir(tenant: string, id: string): string {
    return join(this.graphsDir(tenant), segment('graph', id));
  }
  graphFile(tenant: string, id: string, version: number): string {
    if (!Number.isInteger(version) || version < 1)
      throw invalid(`graph version ${JSON.stringify(version)} must be a positive integer`, { field: 'version' });
    return join(this.graphDir(tenant, id), `${version}.json`);
  }
  sessionsDir(tenant: string): string {
    return join(this.tenantDir(tenant), 'sessions');
  }
  sessionFile(tenant: string, id: string): string {
    return join(this.sessionsDir(tenant), `${segment('session', id)}.json`);
  }
  /** The session's transcript as JSON lines, appended to turn by turn. */
  transcriptFile(tenant: string, id: string): string {
    return join(this.sessionsDir(tenant), `${segment('session', id)}.transcript.jsonl`);
  }
  sessionIndex(tenant: string): string {
    return join(this.tenantDir(tenant), 'sessions.index.jsonl');
  }
  memoryFile(tenant: string, user: string): string {
    return join(this.tenantDir(tenant), 'memory', `${userFileName(user)}.json`);
  }
}
