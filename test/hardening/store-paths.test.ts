import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LowdbStore } from '../../runner/store/lowdb-store.ts';
import { hostileCases } from './harness/cases.ts';
import { rejection } from './helpers/errors.ts';
import { tempDirs } from './helpers/temp-dir.ts';

/**
 * Graph, session, tenant and user ids reach the embedded store as file names: none may walk out
 * of its folder. The data folder sits alone in a folder of its own, so anything created beside
 * it shows (the shared temp folder changes under other processes).
 */
const dirs = tempDirs('hardening-store-paths');
let store: LowdbStore;
let parent: string;
let root: string;
let treeBefore: string[];
const tree = async (dir: string) => (await readdir(dir, { recursive: true })).sort();

beforeAll(async () => {
  parent = await dirs.make();
  root = join(parent, 'data');
  store = new LowdbStore(root);
  // Whatever the store creates on its own, before any hostile id reaches it.
  await store.listSessions('t1');
  treeBefore = await tree(parent);
});
afterAll(async () => {
  await store.close();
  await dirs.removeAll();
});

const notAllowed = (kind: string, value: string) => ({
  code: 'invalid',
  status: 400,
  message: `${kind} id ${JSON.stringify(value)} is not allowed: use 1-64 letters, digits, "_" or "-"`,
});

describe('hostile ids at the embedded store', () => {
  hostileCases<() => Promise<unknown>>(
    [
      {
        name: 'session id "../../etc/passwd"',
        input: () => () => store.getSession('t1', '../../etc/passwd'),
        expect: notAllowed('session', '../../etc/passwd'),
      },
      { name: 'session id ".."', input: () => () => store.getSession('t1', '..'), expect: notAllowed('session', '..') },
      {
        name: 'session id with a backslash',
        input: () => () => store.deleteSession('t1', '..\\x'),
        expect: notAllowed('session', '..\\x'),
      },
      {
        name: 'session id with a NUL byte',
        input: () => () => store.getSession('t1', 'a\u0000b'),
        expect: notAllowed('session', 'a\u0000b'),
      },
      {
        name: 'tenant "../other"',
        input: () => () => store.listSessions('../other'),
        expect: notAllowed('tenant', '../other'),
      },
      {
        name: 'tenant "/" on a graph read',
        input: () => () => store.getGraph('/', 'g'),
        expect: notAllowed('tenant', '/'),
      },
      {
        name: 'graph id "../../x" on delete',
        input: () => () => store.deleteGraph('t1', '../../x'),
        expect: notAllowed('graph', '../../x'),
      },
      {
        name: 'graph version 0',
        input: () => () => store.getGraph('t1', 'g', 0),
        expect: { code: 'invalid', status: 400, message: 'graph version 0 must be a positive integer' },
      },
      {
        name: 'graph version 1.5',
        input: () => () => store.getGraph('t1', 'g', 1.5),
        expect: { code: 'invalid', status: 400, message: 'graph version 1.5 must be a positive integer' },
      },
      {
        name: 'empty memory user',
        input: () => () => store.getMemory('t1', ''),
        expect: { code: 'invalid', status: 400, message: 'user "" is not allowed: use 1-200 characters' },
      },
    ],
    (attempt) => rejection(attempt),
  );

  it('nothing was created beside the data folder, nor in it', async () => {
    expect(await tree(parent)).toEqual(treeBefore);
  });

  it('a user name with separators is stored under a hashed file name inside the folder', async () => {
    await store.setMemory('t1', '../../escape', 'k', 'v');
    expect(await store.getMemory('t1', '../../escape')).toEqual({ k: 'v' });
    const files = await readdir(`${root}/tenants/t1/memory`);
    expect(files).toEqual([expect.stringMatching(/^h-[0-9a-f]{64}\.json$/)]);
  });
});
