import type { Response } from 'express';

/**
 * Refusals of the /mcp endpoint before any MCP session handles the request: the HTTP status
 * says what happened, the body is a JSON-RPC error as MCP clients expect (the SDK's transport
 * answers its own refusals the same way).
 */
export const JSON_RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  /** Implementation-defined server errors (-32000 to -32099), as the SDK uses them. */
  refused: -32000,
  sessionNotFound: -32001,
} as const;

export function sendJsonRpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}
