import { describe, expect, it } from 'vitest';
import { migrate } from './migrate.ts';
import { validateGraph } from './validate.ts';
import { validGraph } from './fixtures.ts';

/** A graph as the v0 sketch stored it: flat nodes and undirected-looking edges. */
const v0 = () => ({
  version: 0,
  id: 'legacy',
  title: 'Legacy support',
  models: [{ id: 'm', provider: 'scripted' }],
  nodes: [
    { id: 'in', kind: 'topic', name: 'support.in', x: 0, y: 0 },
    { id: 'helper', kind: 'assistant', name: 'helper', config: { model: 'm' }, x: 200, y: 0 },
    { id: 'out', kind: 'topic', name: 'support.out', x: 400, y: 0 },
    // An id that a generated edge id would collide with.
    { id: 'sub-0', kind: 'topic', name: 'audit', x: 200, y: 150 },
  ],
  edges: [
    { from: 'in', to: 'helper' },
    { from: 'helper', to: 'out' },
    { from: 'sub-0', to: 'helper', prefix: true },
  ],
  entry: 'in',
  output: 'out',
});

describe('migrate', () => {
  it('upgrades v0 to the current version: nodes split by kind, edges by direction, positions to layout', () => {
    const r = migrate(v0());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.from).toBe(0);
    expect(r.value).toEqual({
      format: 'switchboard/graph',
      version: 1,
      id: 'legacy',
      name: 'Legacy support',
      models: [{ id: 'm', provider: 'scripted' }],
      agents: [{ id: 'helper', type: 'helper', kind: 'assistant', config: { model: 'm' } }],
      topics: [
        { id: 'in', type: 'support.in' },
        { id: 'out', type: 'support.out' },
        { id: 'sub-0', type: 'audit' },
      ],
      subscriptions: [
        { id: 'sub-0-2', topic: 'in', agent: 'helper', kind: 'type' },
        { id: 'sub-2', topic: 'sub-0', agent: 'helper', kind: 'prefix' },
      ],
      publications: [{ id: 'pub-1', agent: 'helper', topic: 'out' }],
      entry: 'in',
      output: ['out'],
      layout: {
        nodes: { in: { x: 0, y: 0 }, helper: { x: 200, y: 0 }, out: { x: 400, y: 0 }, 'sub-0': { x: 200, y: 150 } },
      },
    });
  });

  it('produces a graph that validates', () => {
    const r = validateGraph(v0());
    expect(r.problems.filter((p) => p.severity === 'error')).toMatchObject([]);
    expect(r.graph?.subscriptions).toHaveLength(2);
  });

  it('returns a current document unchanged', () => {
    const g = validGraph();
    expect(migrate(g)).toEqual({ ok: true, value: g, from: 1, problems: [] });
  });

  it('refuses a version newer than it knows', () => {
    expect(migrate({ version: 7 })).toMatchObject({
      ok: false,
      problems: [
        {
          severity: 'error',
          path: '/version',
          code: 'future_version',
          message: 'version 7 is newer than this Switchboard understands (up to 1); upgrade Switchboard to open it',
        },
      ],
    });
  });

  it.each([
    [{}, '/version', 'required', 'is required (the format version, a number)'],
    [{ version: '1' }, '/version', 'invalid_version', 'must be a whole number from 0 to 1, not "1"'],
    [{ version: 0.5 }, '/version', 'invalid_version', 'must be a whole number from 0 to 1, not 0.5'],
    [null, '', 'invalid_type', 'a graph document must be a JSON object'],
  ])('refuses %j clearly', (doc, path, code, message) => {
    expect(migrate(doc)).toMatchObject({ ok: false, problems: [{ severity: 'error', path, code, message }] });
  });

  it('reports where a malformed v0 document breaks the upgrade', () => {
    expect(migrate({ ...v0(), edges: [{ from: 'in', to: 'out' }] }).problems).toMatchObject([
      {
        severity: 'error',
        path: '/edges/0',
        code: 'migration_failed',
        message: 'cannot upgrade from version 0: must connect a topic and an agent that exist',
      },
    ]);
    expect(migrate({ version: 0, nodes: 'x' }).problems).toMatchObject([
      {
        severity: 'error',
        path: '/nodes',
        code: 'migration_failed',
        message: 'cannot upgrade from version 0: must be an array',
      },
    ]);
  });
});
