import { invalid } from '../errors.ts';

/** The bounds of a user's memory, the same in every store, so moving between stores changes no behaviour. */
export const MAX_MEMORY_KEYS = 1000;
const MAX_MEMORY_KEY = 200;
const MAX_MEMORY_VALUE = 10_000;

/** Refuses a memory entry out of bounds, naming the field. */
export function checkMemoryEntry(key: unknown, value: unknown): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_MEMORY_KEY)
    throw invalid(`memory key must be 1-${MAX_MEMORY_KEY} characters`, { field: 'key' });
  if (typeof value !== 'string' || value.length > MAX_MEMORY_VALUE)
    throw invalid(`memory value must be at most ${MAX_MEMORY_VALUE} characters`, { field: 'value' });
}

/** The error of a write to a memory already holding MAX_MEMORY_KEYS keys. */
export function memoryFull(user: string) {
  return invalid(`the memory of user "${user}" is full: at most ${MAX_MEMORY_KEYS} keys`, { limit: MAX_MEMORY_KEYS });
}
