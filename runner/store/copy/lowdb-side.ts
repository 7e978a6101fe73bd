import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson } from '../json-file.ts';
import { LowdbStore } from '../lowdb-store.ts';
import { StorePaths } from '../store-paths.ts';
import type { CopySource } from './copy-store.ts';

/** An embedded data folder as a copy reads it; close its store after. */
export function lowdbSource(dataDir: string): CopySource {
  const store = new LowdbStore(dataDir);
  const paths = new StorePaths(dataDir);
  return {
    store,
    tenants: async () => (await names(paths.tenantsDir())).filter(isSegment),
    async fence(tenant, sessionId) {
      const file = paths.sessionFile(tenant, sessionId).replace(/\.json$/, '.fence.json');
      return readJson<number>(file, `the fence of session "${sessionId}"`);
    },
    async memories(tenant) {
      const dir = join(paths.tenantDir(tenant), 'memory');
      const out = new Map<string, Record<string, string>>();
      for (const file of (await names(dir)).filter((f) => /^[uh]-.+\.json$/.test(f))) {
        const memory = await readJson<Record<string, string>>(join(dir, file), `memory file "${file}"`);
        if (memory && Object.keys(memory).length) out.set(file.replace(/\.json$/, ''), memory);
      }
      return out;
    },
  };
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

const isSegment = (name: string) => /^[A-Za-z0-9_-]{1,64}$/.test(name);
