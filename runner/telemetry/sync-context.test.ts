import { createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { SyncContextManager } from './sync-context.ts';

const key = createContextKey('test');

describe('SyncContextManager', () => {
  const manager = new SyncContextManager();
  const outer = ROOT_CONTEXT.setValue(key, 'outer');
  const inner = ROOT_CONTEXT.setValue(key, 'inner');

  it('holds a context while the callback runs synchronously, nested, and restores it after a throw', () => {
    expect(manager.active()).toBe(ROOT_CONTEXT);
    manager.with(outer, () => {
      expect(manager.active().getValue(key)).toBe('outer');
      expect(() =>
        manager.with(inner, () => {
          expect(manager.active().getValue(key)).toBe('inner');
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(manager.active().getValue(key)).toBe('outer');
    });
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('does not follow an await: what runs later gets the root context (contexts travel explicitly)', async () => {
    const later = manager.with(outer, async () => {
      await Promise.resolve();
      return manager.active();
    });
    expect(manager.active()).toBe(ROOT_CONTEXT);
    expect(await later).toBe(ROOT_CONTEXT);
  });

  it('binds a function to a context, with its receiver and arguments', () => {
    const bound = manager.bind(inner, function (this: { n: number }, add: number) {
      return [manager.active().getValue(key), this.n + add];
    });
    expect(bound.call({ n: 1 }, 2)).toEqual(['inner', 3]);
    expect(manager.bind(inner, 'not a function')).toBe('not a function');
  });
});
