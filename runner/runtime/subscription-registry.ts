import { TopicId } from './ids.ts';
import { SourceKeyedSubscription } from './subscriptions.ts';
import type { Subscription } from './types.ts';

/** Distinct topic types are few (they come from graphs); the bound only guards against a runaway publisher. */
const MAX_CACHED_TYPES = 10_000;

/**
 * The runtime's subscriptions and its recipient cache. Recipients of source-keyed subscriptions
 * are cached per topic type (agent types, de-duplicated), never per topic string, so the cache
 * does not grow with the number of sessions. Other subscriptions are matched per message.
 */
export class SubscriptionRegistry {
  private readonly all: Subscription[] = [];
  private keyed: SourceKeyedSubscription[] = [];
  /** Subscriptions of other kinds: their match or key may depend on the source. */
  other: Subscription[] = [];
  private readonly byTopicType = new Map<string, readonly string[]>();

  constructor(private readonly isRegistered: (agentType: string) => boolean) {}

  add(subscription: Subscription): void {
    if (this.all.some((s) => s.equals(subscription) || subscription.equals(s)))
      throw new Error('Subscription already exists');
    this.all.push(subscription);
    this.split();
  }

  remove(id: string): void {
    const i = this.all.findIndex((s) => s.id === id);
    if (i < 0) throw new Error(`Subscription "${id}" does not exist`);
    this.all.splice(i, 1);
    this.split();
  }

  list(): readonly Subscription[] {
    return this.all;
  }

  /** Forgets cached recipients: subscriptions or factories changed. */
  invalidate(): void {
    this.byTopicType.clear();
  }

  /** Agent types that receive topic type `topicType` (key = source), registered ones only, each once. */
  agentTypes(topicType: string): readonly string[] {
    let types = this.byTopicType.get(topicType);
    if (types === undefined) {
      const probe = new TopicId(topicType, '');
      const found = new Set<string>();
      for (const s of this.keyed) if (s.isMatch(probe) && this.isRegistered(s.agentType)) found.add(s.agentType);
      types = [...found];
      if (this.byTopicType.size >= MAX_CACHED_TYPES) this.byTopicType.clear();
      this.byTopicType.set(topicType, types);
    }
    return types;
  }

  private split(): void {
    this.keyed = this.all.filter((s): s is SourceKeyedSubscription => s instanceof SourceKeyedSubscription);
    this.other = this.all.filter((s) => !(s instanceof SourceKeyedSubscription));
    this.invalidate();
  }
}
