/** AutoGen's rules: topic types may contain ":" and "=", agent types may not. */
const TOPIC_TYPE = /^[\w\-.:=]+$/;
const AGENT_TYPE = /^[\w\-.]+$/;

/** Where a message is published: `type` is the kind of event, `source` the session it belongs to. */
export class TopicId {
  constructor(
    readonly type: string,
    readonly source: string,
  ) {
    if (!TOPIC_TYPE.test(type)) throw new TypeError(`invalid topic type "${type}": must match ${TOPIC_TYPE}`);
  }
  toString(): string {
    return `${this.type}/${this.source}`;
  }
  equals(other: TopicId): boolean {
    return this.type === other.type && this.source === other.source;
  }
  /** Splits on the first "/" so a source may itself contain "/". */
  static parse(s: string): TopicId {
    const i = s.indexOf('/');
    if (i < 0) throw new TypeError(`invalid topic id "${s}": expected "type/source"`);
    return new TopicId(s.slice(0, i), s.slice(i + 1));
  }
}

/** An agent instance: `type` picks the factory, `key` the instance (the session id). */
export class AgentId {
  constructor(
    readonly type: string,
    readonly key: string,
  ) {
    if (!AGENT_TYPE.test(type)) throw new TypeError(`invalid agent type "${type}": must match ${AGENT_TYPE}`);
  }
  toString(): string {
    return `${this.type}/${this.key}`;
  }
  equals(other: AgentId): boolean {
    return this.type === other.type && this.key === other.key;
  }
  static parse(s: string): AgentId {
    const i = s.indexOf('/');
    if (i < 0) throw new TypeError(`invalid agent id "${s}": expected "type/key"`);
    return new AgentId(s.slice(0, i), s.slice(i + 1));
  }
}

/**
 * The topic a publish names: a TopicId, or `{ type, source? }` where a missing source is the
 * publishing instance's key (`instanceKey`, AutoGen's DefaultTopicId). Outside a handler there is
 * none, and a forgotten session id must not merge sessions into one: that is an error.
 */
export function topicIdOf(
  topic: TopicId | { type: string; source?: string },
  instanceKey: string | undefined,
): TopicId {
  if (topic instanceof TopicId) return topic;
  if (typeof topic !== 'object' || topic === null || typeof topic.type !== 'string') {
    throw new TypeError('topic must be a TopicId or { type: string, source?: string }');
  }
  if (topic.source === undefined) {
    if (instanceKey === undefined) {
      throw new TypeError(
        `topic "${topic.type}" has no source: outside a handler's ctx.runtime, pass the source (the session id) explicitly`,
      );
    }
    return new TopicId(topic.type, instanceKey);
  }
  if (typeof topic.source !== 'string') throw new TypeError(`topic "${topic.type}": source must be a string`);
  return new TopicId(topic.type, topic.source);
}
