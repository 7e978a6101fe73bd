import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestRunner, type TestRunner } from '../integration/helpers.ts';
import { count } from './harness/tally.ts';
import { ACME, GLOBEX } from './helpers/hostile-rest.ts';

/** Requests past the HTTP rate limit, on a runner whose limit is low enough to reach. */
describe('a flood past the rate limit', () => {
  let limited: TestRunner;
  beforeAll(async () => {
    limited = await startTestRunner({
      tokens: [
        { token: ACME, tenant: 'acme' },
        { token: GLOBEX, tenant: 'globex' },
      ],
      limits: { http: { perSecond: 1, burst: 20 } },
    });
  });
  afterAll(() => limited?.stop());

  it('answers 429 with Retry-After once the burst is spent, and only for that tenant', async () => {
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof api>> | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await api(limited.url, 'GET', '/api/graphs', { token: ACME });
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    count({ cases: statuses.length });
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(refused?.json.error).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/^too many requests; retry in \d+ s$/),
    });
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await api(limited.url, 'GET', '/api/graphs', { token: GLOBEX })).status).toBe(200);
  });
});
