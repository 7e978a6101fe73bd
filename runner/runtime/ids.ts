/** AutoGen's rules: topic types may contain ":" and "=", agent types may not. */
const TOPIC_TYPE = /^[\w\-.:=]+$/;
const AGENT_TYPE = /^[\w\-.]+$/;

/** Where a message is published: `type` is the kind of event, `source` the session it belongs to. */
export class TopicId {
  constructor(readonly type: string, readonly source: string) {
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
  constructor(readonly type: string, readonly key: string) {
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
