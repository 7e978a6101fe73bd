import type { ObservedError } from '../harness/cases.ts';

/** What a rejected call threw, as the fields a case asserts; undefined when it did not throw. */
export async function rejection(call: () => Promise<unknown>): Promise<ObservedError> {
  try {
    await call();
    return undefined;
  } catch (error) {
    const e = error as { code?: unknown; status?: unknown; message?: unknown; details?: unknown };
    return { code: String(e.code), status: e.status as number, message: String(e.message), details: e.details };
  }
}
