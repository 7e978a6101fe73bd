import type { Store } from '../types.ts';
import { describeBackendCloseContract, type Footprint } from './backend-close.ts';
import { describeGraphStoreContract } from './graph-store.ts';
import { describeMemoryStoreContract } from './memory-store.ts';
import { describeSessionStoreContract } from './session-store.ts';
import { ofBackend } from './subject.ts';

/**
 * The three store contracts, run against one backend that implements them all, and what its
 * close() promises (`footprint`: everything it has written, to compare).
 */
export function describeStoreContracts(name: string, make: () => Promise<Store> | Store, footprint: Footprint): void {
  describeBackendCloseContract(name, ofBackend(make), footprint);
  describeGraphStoreContract(name, ofBackend(make));
  describeSessionStoreContract(name, ofBackend(make));
  describeMemoryStoreContract(name, ofBackend(make));
}
