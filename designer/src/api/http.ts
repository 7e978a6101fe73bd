import type { ApiError } from '../../../schemas/protocol.ts';

/** A failed API call, carrying the runner's `{error:{code,message,details}}` and the HTTP status. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiFailure(0, { code: 'network', message: `runner unreachable: ${(e as Error).message}` });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = (json as { error?: ApiError } | undefined)?.error ?? {
      code: `http_${response.status}`,
      message: text.slice(0, 300) || response.statusText,
    };
    throw new ApiFailure(response.status, error);
  }
  return json as T;
}
