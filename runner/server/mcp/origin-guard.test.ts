import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { parseConfig, type ConfigInput } from '../../config.ts';
import { originGuard } from './origin-guard.ts';

/** Runs the guard on a request as it would arrive on a socket; returns the refusal, if any. */
function check(config: ConfigInput, request: { peer: string; host?: string; origin?: string }) {
  const headers = { host: request.host ?? 'localhost:8787', ...(request.origin ? { origin: request.origin } : {}) };
  const req = { socket: { remoteAddress: request.peer }, headers } as unknown as Request;
  let refusal: { status: number; message: string } | undefined;
  const res = {
    status(status: number) {
      return {
        json: (body: { error: { message: string } }) => void (refusal = { status, message: body.error.message }),
      };
    },
  } as unknown as Response;
  let passed = false;
  originGuard(parseConfig(config))(req, res, () => void (passed = true));
  expect(passed).toBe(refusal === undefined);
  return refusal;
}

const TOKENS: ConfigInput = { host: '0.0.0.0', tokens: [{ token: 'acme-token-0123456789', tenant: 'acme' }] };

describe('originGuard', () => {
  it('in the no-auth mode lets only loopback peers with a loopback Host through', () => {
    expect(check({}, { peer: '127.0.0.1' })).toBeUndefined();
    expect(check({}, { peer: '::ffff:127.0.0.1', host: '127.0.0.1:9' })).toBeUndefined();
    expect(check({}, { peer: '::1', host: '[::1]:8787' })).toBeUndefined();
    expect(check({}, { peer: '10.0.0.7' })).toEqual({
      status: 403,
      message: 'the no-auth /mcp endpoint only answers loopback clients',
    });
    expect(check({}, { peer: '127.0.0.1', host: 'evil.example.com' })?.message).toMatch(
      /^Host "evil.example.com" is not a loopback name/,
    );
    expect(check({}, { peer: '127.0.0.1', host: 'localhost.evil.example.com:80' })?.status).toBe(403);
  });

  it('with tokens accepts any peer and Host, and checks only the Origin', () => {
    expect(check(TOKENS, { peer: '10.0.0.7', host: 'switchboard.example.com' })).toBeUndefined();
    expect(check(TOKENS, { peer: '10.0.0.7', origin: 'http://localhost:5173' })).toBeUndefined();
    expect(check(TOKENS, { peer: '10.0.0.7', origin: 'https://evil.example.com' })?.message).toMatch(
      /add it to mcp.allowedOrigins/,
    );
    expect(
      check(
        { ...TOKENS, mcp: { allowedOrigins: ['https://app.example.com'] } },
        { peer: '10.0.0.7', origin: 'https://app.example.com' },
      ),
    ).toBeUndefined();
    expect(check(TOKENS, { peer: '10.0.0.7', origin: 'null' })?.status).toBe(403);
  });

  it('refuses allowed origins that are not bare origins in the config', () => {
    expect(() => parseConfig({ mcp: { allowedOrigins: ['https://app.example.com/path'] } })).toThrow(
      /mcp.allowedOrigins.0: must be an origin/,
    );
  });
});
