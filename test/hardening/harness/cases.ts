import { expect, it } from 'vitest';
import { count, type Tally } from './tally.ts';

/** What a hostile input must produce: a stable code plus whatever locates the problem. */
export interface ExpectedError {
  code: string;
  /** JSON path of the offending value, when the error is about a document. */
  path?: string;
  /** HTTP status, when the error comes over REST. */
  status?: number;
  /** Exact text, or a pattern the message must match. */
  message?: string | RegExp;
  [extra: string]: unknown;
}

export interface HostileCase<Input> {
  name: string;
  /** A value, or a builder for inputs too large to keep in the table (10 MB documents). */
  input: Input | (() => Input | Promise<Input>);
  expect: ExpectedError;
}

/** What an attempt saw; compared against the case's expectation field by field. */
export type ObservedError = ExpectedError | undefined;

/**
 * One `it` per case: tries the input, counts it (as a hostile case, or as an injected fault),
 * and asserts the exact error. Observed fields not named in the expectation are ignored, so a
 * case states only what it is about.
 */
export function hostileCases<Input>(
  cases: HostileCase<Input>[],
  attempt: (input: Input) => Promise<ObservedError> | ObservedError,
  tally: keyof Tally = 'cases',
) {
  for (const c of cases) {
    it(c.name, async () => {
      const input = typeof c.input === 'function' ? await (c.input as () => Input | Promise<Input>)() : c.input;
      count({ [tally]: 1 });
      const observed = await attempt(input);
      expect(observed, `${c.name}: no error`).toBeDefined();
      const { message, ...rest } = c.expect;
      expect(observed).toMatchObject(rest);
      if (typeof message === 'string') expect(observed!.message).toBe(message);
      else if (message) expect(observed!.message).toMatch(message);
    });
  }
}
