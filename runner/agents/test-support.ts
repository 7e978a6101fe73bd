/**
 * An in-memory AgentEnv and SessionContext for tests of agents and graphs: records every event,
 * usage and turn end, answers input requests from a queue. Not used by the runner itself.
 */
import { randomUUID } from 'node:crypto';
import { Graph, type GraphInput } from '../../schemas/graph.ts';
import type { ServerEvents, TurnEndReason } from '../../schemas/protocol.ts';
import { ModelRegistry } from '../models/registry.ts';
import type { ModelClient } from '../models/types.ts';
import { TopicId } from '../runtime/ids.ts';
import type { AgentRuntime } from '../runtime/types.ts';
import type { AgentEnv, SessionContext, UserMemory } from './env.ts';
import type { LoadedGraph } from './load-graph.ts';
import type { ChatMessage } from './message.ts';

export interface RecordedEvent<E extends keyof ServerEvents = keyof ServerEvents> {
  event: E;
  payload: Omit<ServerEvents[E], 'sessionId'>;
}

export class TestSession implements SessionContext {
  readonly events: RecordedEvent[] = [];
  readonly usage: Array<{
    agent: string;
    promptTokens: number;
    completionTokens: number;
    estimated: boolean;
    modelId?: string;
    turnId: string;
  }> = [];
  readonly ends: Array<{ turnId: string; reason: TurnEndReason; detail?: string }> = [];
  /** Answers given to input requests, in order; when empty, a request fails as a timeout would. */
  readonly answers: string[] = [];
  readonly memoryData = new Map<string, string>();
  holds = 0;
  private controller = new AbortController();
  private currentTurn = randomUUID();

  constructor(
    readonly sessionId: string,
    readonly tenant = 'acme',
    readonly credentials: Record<string, string> = {},
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  turnId(): string {
    return this.currentTurn;
  }

  /** Starts a new turn with a fresh signal and returns its id. */
  newTurn(): string {
    this.controller = new AbortController();
    this.currentTurn = randomUUID();
    return this.currentTurn;
  }

  emit<E extends keyof ServerEvents>(event: E, payload: Omit<ServerEvents[E], 'sessionId'>): void {
    this.events.push({ event, payload } as RecordedEvent);
  }

  eventsOf<E extends keyof ServerEvents>(event: E): Array<Omit<ServerEvents[E], 'sessionId'>> {
    return this.events.filter((e) => e.event === event).map((e) => e.payload as Omit<ServerEvents[E], 'sessionId'>);
  }

  recordUsage(
    agent: string,
    usage: { promptTokens: number; completionTokens: number; estimated: boolean },
    modelId?: string,
  ): void {
    this.usage.push({ agent, ...usage, modelId, turnId: this.currentTurn });
  }

  turnTokens(): number {
    return this.usage
      .filter((u) => u.turnId === this.currentTurn)
      .reduce((n, u) => n + u.promptTokens + u.completionTokens, 0);
  }

  holdTurn(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (!released) ((released = true), this.holds--);
    };
  }

  async requestInput(turnId: string, agent: string, prompt: string, timeoutMs: number): Promise<string> {
    if (turnId !== this.currentTurn) throw new Error(`turn ${turnId} is not running`);
    this.emit('input_request', { turnId, requestId: randomUUID(), agent, prompt, timeoutMs });
    const answer = this.answers.shift();
    if (answer === undefined) throw new Error('input request timed out');
    return answer;
  }

  endTurn(turnId: string, reason: TurnEndReason, detail?: string): void {
    if (turnId !== this.currentTurn) return;
    this.ends.push({ turnId, reason, detail });
    this.controller.abort(new Error(`turn ended: ${reason}`));
  }

  credential(name: string): string | undefined {
    return this.credentials[name];
  }

  readonly memory: UserMemory = {
    get: async (k) => this.memoryData.get(k),
    set: async (k, v) => void this.memoryData.set(k, v),
    list: async () => Object.fromEntries(this.memoryData),
  };
}

export class TestEnv implements AgentEnv {
  readonly graph: Graph;
  readonly sessions = new Map<string, TestSession>();

  constructor(
    graph: GraphInput | Graph,
    private readonly credentials: Record<string, string> = {},
    private readonly models = new ModelRegistry({}),
  ) {
    this.graph = Graph.parse(graph);
  }

  model(modelId: string): ModelClient {
    const def = this.graph.models.find((m) => m.id === modelId);
    if (!def) throw new Error(`graph has no model "${modelId}"`);
    return this.models.get('acme', def, (name) => this.credentials[name]);
  }

  session(key: string): TestSession {
    let s = this.sessions.get(key);
    if (!s) this.sessions.set(key, (s = new TestSession(key)));
    return s;
  }
}

/**
 * A graph from compact parts: topics by id (type = id unless given), subscriptions as
 * [topic, agent] or [topic, agent, 'prefix'], publications as [agent, topic].
 */
export function compactGraph(parts: {
  id?: string;
  models?: GraphInput['models'];
  agents: GraphInput['agents'];
  topics: Array<string | { id: string; type: string; description?: string }>;
  subscriptions: Array<[string, string] | [string, string, 'prefix']>;
  publications: Array<[string, string]>;
  entry: string;
  output: string[];
  limits?: GraphInput['limits'];
}): GraphInput {
  return {
    format: 'switchboard/graph',
    version: 1,
    id: parts.id ?? 'test-graph',
    name: parts.id ?? 'Test graph',
    models: parts.models ?? [{ id: 'echo', provider: 'scripted' }],
    agents: parts.agents,
    topics: parts.topics.map((t) => (typeof t === 'string' ? { id: t, type: t } : t)),
    subscriptions: parts.subscriptions.map(([topic, agent, kind], i) => ({
      id: `s${i}`,
      topic,
      agent,
      kind: kind ?? 'type',
    })),
    publications: parts.publications.map(([agent, topic], i) => ({ id: `p${i}`, agent, topic })),
    entry: parts.entry,
    output: parts.output,
    ...(parts.limits ? { limits: parts.limits } : {}),
  };
}

/** Every message published in the runtime, as the sessions layer would see it. */
export function recordPublished(runtime: AgentRuntime): Array<{ topic: TopicId; message: ChatMessage }> {
  const seen: Array<{ topic: TopicId; message: ChatMessage }> = [];
  runtime.addIntervention({
    onPublish: (message, ctx) => void seen.push({ topic: ctx.topicId, message: message as ChatMessage }),
  });
  return seen;
}

/** Publishes a user message on the graph's entry topic of a session and waits for the runtime to settle. */
export async function userSays(
  runtime: AgentRuntime,
  loaded: LoadedGraph,
  env: TestEnv,
  sessionId: string,
  content: string,
): Promise<TestSession> {
  const session = env.session(sessionId);
  const turnId = session.newTurn();
  const message: ChatMessage = { id: randomUUID(), turnId, role: 'user', content, sender: 'user' };
  await runtime.publishMessage(message, new TopicId(loaded.entryTopicType, sessionId));
  await runtime.idle(sessionId);
  return session;
}
