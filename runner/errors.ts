/** An error a client may see: a stable code, an HTTP status, a plain message and details. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
  toJSON() {
    return { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) };
  }
}

export const notFound = (what: string, id: string) => new AppError('not_found', 404, `${what} "${id}" not found`);
export const conflict = (message: string, details?: unknown) => new AppError('conflict', 409, message, details);
export const invalid = (message: string, details?: unknown) => new AppError('invalid', 400, message, details);
