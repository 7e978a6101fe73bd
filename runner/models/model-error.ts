import { AppError } from '../errors.ts';

export type ModelErrorCode = 'timeout' | 'rate_limited' | 'server_error' | 'bad_response' | 'aborted';

const STATUS: Record<ModelErrorCode, number> = {
  timeout: 504,
  rate_limited: 429,
  server_error: 502,
  bad_response: 502,
  aborted: 499,
};

/** Every failure of a model call, whatever the provider: a stable code agents and clients can act on. */
export class ModelError extends AppError {
  declare readonly code: ModelErrorCode;
  constructor(code: ModelErrorCode, message: string, details?: unknown) {
    super(code, STATUS[code], message, details);
    this.name = 'ModelError';
  }
}
