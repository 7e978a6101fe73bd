import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import type { Store } from '../types.ts';

/** A fresh store of one kind for one test, and how to let it go. */
export interface Subject<T> {
  store: T;
  close(): Promise<void>;
}
export type MakeSubject<T> = () => Promise<Subject<T>>;

/** Subjects from a backend that is every kind of store at once. */
export function ofBackend(make: () => Promise<Store> | Store): MakeSubject<Store> {
  return async () => {
    const store = await make();
    return { store, close: () => store.close() };
  };
}

/**
 * Runs `body` with a fresh subject and a tenant of its own per test, so implementations backed
 * by a shared server can run the suites too.
 */
export function withSubject<T>(
  make: MakeSubject<T>,
  body: (current: () => { store: T; tenant: string }) => void,
): void {
  let subject: Subject<T>;
  let tenant: string;
  beforeEach(async () => {
    subject = await make();
    tenant = `t-${randomUUID().slice(0, 8)}`;
  });
  afterEach(async () => {
    await subject.close();
  });
  body(() => ({ store: subject.store, tenant }));
}
