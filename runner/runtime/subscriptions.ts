import { randomUUID } from 'node:crypto';
import { AgentId, TopicId } from './ids.ts';
import type { Subscription } from './types.ts';

/**
 * A subscription whose match depends on the topic type only and whose agent key is the topic
 * source. The runtime relies on both facts to cache recipients per topic type, so a cache entry
 * serves every session instead of one entry per session.
 */
export abstract class SourceKeyedSubscription implements Subscription {
  readonly id: string;

  constructor(
    readonly agentType: string,
    id?: string,
  ) {
    new AgentId(agentType, ''); // validates the agent type with the same message AgentId gives
    this.id = id ?? randomUUID();
  }

  abstract isMatch(topic: TopicId): boolean;
  abstract equals(other: Subscription): boolean;

  mapToAgent(topic: TopicId): AgentId {
    if (!this.isMatch(topic)) throw new Error(`topic "${topic}" does not match subscription ${this.id}`);
    return new AgentId(this.agentType, topic.source);
  }
}

/** AutoGen's TypeSubscription: topic type T goes to AgentId(agentType, key = topic source). */
export class TypeSubscription extends SourceKeyedSubscription {
  constructor(
    readonly topicType: string,
    agentType: string,
    id?: string,
  ) {
    super(agentType, id);
    new TopicId(topicType, '');
  }

  isMatch(topic: TopicId): boolean {
    return topic.type === this.topicType;
  }

  equals(other: Subscription): boolean {
    return (
      other.id === this.id ||
      (other instanceof TypeSubscription && other.topicType === this.topicType && other.agentType === this.agentType)
    );
  }
}

/** AutoGen's TypePrefixSubscription: every topic type starting with `prefix`, keyed by source. */
export class TypePrefixSubscription extends SourceKeyedSubscription {
  constructor(
    readonly prefix: string,
    agentType: string,
    id?: string,
  ) {
    super(agentType, id);
    new TopicId(prefix, '');
  }

  isMatch(topic: TopicId): boolean {
    return topic.type.startsWith(this.prefix);
  }

  equals(other: Subscription): boolean {
    return (
      other.id === this.id ||
      (other instanceof TypePrefixSubscription && other.prefix === this.prefix && other.agentType === this.agentType)
    );
  }
}
