import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, credentialOf, loadConfig, parseConfig } from './config.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function configFile(value: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
  dirs.push(dir);
  const file = join(dir, 'config.json');
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

describe('config', () => {
  it('defaults to no-auth on loopback with the documented values', () => {
    const c = loadConfig({ env: {} });
    expect(c).toMatchObject({ port: 8787, host: '127.0.0.1', dataDir: './data', noAuth: true });
  });

  it('refuses a public host without tokens, naming the way out', () => {
    expect(() => loadConfig({ env: { HOST: '0.0.0.0' } })).toThrow(
      /refusing to listen on 0\.0\.0\.0 without API tokens/,
    );
  });

  it('maps tokens to tenants from the environment and turns no-auth off', () => {
    const c = loadConfig({
      env: { HOST: '0.0.0.0', SWITCHBOARD_TOKENS: 'aaaaaaaaaaaaaaaa1=acme:ann,bbbbbbbbbbbbbbbb2=globex' },
    });
    expect(c.noAuth).toBe(false);
    expect(c.tokens).toEqual([
      { token: 'aaaaaaaaaaaaaaaa1', tenant: 'acme', user: 'ann' },
      { token: 'bbbbbbbbbbbbbbbb2', tenant: 'globex' },
    ]);
  });

  it('layers file < env < overrides and keeps credentials out of process.env', () => {
    const file = configFile({
      port: 9000,
      idleTimeoutMs: 5000,
      tenants: { acme: { credentials: { 'openai-prod': 'sk-secret' } } },
    });
    const c = loadConfig({ file, env: { PORT: '9100' }, overrides: { idleTimeoutMs: 7000 } });
    expect(c.port).toBe(9100);
    expect(c.idleTimeoutMs).toBe(7000);
    expect(credentialOf(c, 'acme', 'openai-prod')).toBe('sk-secret');
    expect(credentialOf(c, 'globex', 'openai-prod')).toBeUndefined();
    expect(Object.values(process.env)).not.toContain('sk-secret');
  });

  it('names every bad field', () => {
    let err: unknown;
    try {
      parseConfig({ port: -1, tokens: [{ token: 'short', tenant: 'a b' }], extra: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toContain('port');
    expect(message).toContain('tokens.0.token');
    expect(message).toContain('tokens.0.tenant');
    expect(message).toMatch(/extra/);
  });

  it('explains an unreadable or malformed file', () => {
    expect(() => loadConfig({ file: '/nonexistent/switchboard.json', env: {} })).toThrow(/cannot read config file/);
    expect(() => loadConfig({ file: configFile('{nope'), env: {} })).toThrow(/is not valid/);
    expect(() => loadConfig({ env: { PORT: 'eighty' } })).toThrow(/PORT must be a number/);
  });

  it('selects PostgreSQL from DATABASE_URL or the --database override, and names a bad URL', () => {
    expect(loadConfig({ env: { DATABASE_URL: 'postgres://sb@db:5432/switchboard' } }).databaseUrl).toBe(
      'postgres://sb@db:5432/switchboard',
    );
    expect(
      loadConfig({ env: { DATABASE_URL: 'postgres://a/b' }, overrides: { databaseUrl: 'postgresql://c/d' } })
        .databaseUrl,
    ).toBe('postgresql://c/d');
    expect(() => loadConfig({ env: { DATABASE_URL: 'mysql://db/x' } })).toThrow(
      /databaseUrl: must be a postgres:\/\/ or postgresql:\/\/ URL/,
    );
  });
});
