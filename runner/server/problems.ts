import type { ZodError } from 'zod';
import { pointer } from '../../schemas/problem.ts';

/** A problem in a request body, located by JSON Pointer like graph problems are. */
export interface RequestProblem {
  path: string;
  message: string;
}

export function problemsOf(error: ZodError): RequestProblem[] {
  return error.issues.map((i) => ({
    path: pointer(i.path.map((k) => (typeof k === 'symbol' ? String(k) : k))),
    message: i.message,
  }));
}
