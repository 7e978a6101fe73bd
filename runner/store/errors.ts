import { AppError } from '../errors.ts';

/** A session write carried an older fence than one already seen: a newer owner wrote it since. */
export class StaleFenceError extends AppError {
  constructor(sessionId: string, fence: number, current: number) {
    super('stale_fence', 409, `session "${sessionId}" write rejected: fence ${fence} is older than ${current}`, {
      sessionId,
      fence,
      current,
    });
  }
}
