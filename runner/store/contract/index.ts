import type { Store } from '../types.ts';
import { describeGraphStoreContract } from './graph-store.ts';
import { describeMemoryStoreContract } from './memory-store.ts';
import { describeSessionStoreContract } from './session-store.ts';
import { ofBackend } from './subject.ts';

/** The three store contracts, run against one backend that implements them all. */
export function describeStoreContracts(name: string, make: () => Promise<Store> | Store): void {
  describeGraphStoreContract(name, ofBackend(make));
  describeSessionStoreContract(name, ofBackend(make));
  describeMemoryStoreContract(name, ofBackend(make));
}
