import { describe, expect, it } from 'vitest';
import { AgentId, TopicId } from './ids.ts';
import { SubscriptionRegistry } from './subscription-registry.ts';
import { TypePrefixSubscription, TypeSubscription } from './subscriptions.ts';

describe('TypeSubscription', () => {
  it('matches its topic type only and maps the source to the agent key', () => {
    const s = new TypeSubscription('question', 'expert');
    expect(s.isMatch(new TopicId('question', 'session-1'))).toBe(true);
    expect(s.isMatch(new TopicId('question.more', 'session-1'))).toBe(false);
    expect(s.mapToAgent(new TopicId('question', 'session-1'))).toEqual(new AgentId('expert', 'session-1'));
    expect(() => s.mapToAgent(new TopicId('answer', 's'))).toThrow(/does not match/);
  });

  it('is equal by id or by topic type and agent type', () => {
    const a = new TypeSubscription('t', 'a', 'id-1');
    expect(a.equals(new TypeSubscription('t', 'a'))).toBe(true);
    expect(a.equals(new TypeSubscription('other', 'b', 'id-1'))).toBe(true);
    expect(a.equals(new TypeSubscription('t', 'b'))).toBe(false);
    expect(a.equals(new TypePrefixSubscription('t', 'a'))).toBe(false);
  });

  it('rejects invalid topic and agent types with the id rules', () => {
    expect(() => new TypeSubscription('bad topic', 'a')).toThrow(/invalid topic type "bad topic"/);
    expect(() => new TypeSubscription('t', 'bad:agent')).toThrow(/invalid agent type "bad:agent"/);
  });
});

describe('TypePrefixSubscription', () => {
  it('matches every topic type with the prefix, keyed by source', () => {
    const s = new TypePrefixSubscription('agent:', 'router');
    expect(s.isMatch(new TopicId('agent:one', 'x'))).toBe(true);
    expect(s.isMatch(new TopicId('agent', 'x'))).toBe(false);
    expect(s.mapToAgent(new TopicId('agent:one', 'x'))).toEqual(new AgentId('router', 'x'));
  });

  it('is equal by id or by prefix and agent type', () => {
    const a = new TypePrefixSubscription('p', 'a');
    expect(a.equals(new TypePrefixSubscription('p', 'a'))).toBe(true);
    expect(a.equals(new TypePrefixSubscription('p', 'b'))).toBe(false);
    expect(a.equals(new TypePrefixSubscription('q', 'x', a.id))).toBe(true);
  });
});

describe('SubscriptionRegistry', () => {
  it('refuses a duplicate and an unknown removal', () => {
    const registry = new SubscriptionRegistry(() => true);
    const s = new TypeSubscription('t', 'a');
    registry.add(s);
    expect(() => registry.add(new TypeSubscription('t', 'a'))).toThrow('Subscription already exists');
    expect(() => registry.add(new TypePrefixSubscription('x', 'y', s.id))).toThrow('Subscription already exists');
    expect(() => registry.remove('nope')).toThrow('Subscription "nope" does not exist');
    registry.remove(s.id);
    expect(registry.list()).toEqual([]);
  });

  it('caches agent types per topic type, each once, registered ones only, and refreshes on change', () => {
    const registered = new Set(['a', 'b']);
    const registry = new SubscriptionRegistry((t) => registered.has(t));
    registry.add(new TypeSubscription('t.x', 'a'));
    registry.add(new TypePrefixSubscription('t.', 'a'));
    registry.add(new TypePrefixSubscription('t', 'unregistered'));
    expect(registry.agentTypes('t.x')).toEqual(['a']);
    const b = new TypeSubscription('t.x', 'b');
    registry.add(b);
    expect(registry.agentTypes('t.x')).toEqual(['a', 'b']);
    registry.remove(b.id);
    expect(registry.agentTypes('t.x')).toEqual(['a']);
    registered.add('unregistered');
    registry.invalidate();
    expect(registry.agentTypes('t.x')).toEqual(['a', 'unregistered']);
  });
});
