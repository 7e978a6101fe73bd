import { randomUUID } from 'node:crypto';
import type { Context } from '@opentelemetry/api';
import type { Agent as AgentNode } from '../../schemas/kinds/index.ts';
import type { Role } from '../../schemas/protocol.ts';
import { TopicId, type AgentId } from '../runtime/ids.ts';
import type { Agent, AgentRuntime, MessageContext } from '../runtime/types.ts';
import { inAgentSpan, topicsOut } from '../telemetry/agent-span.ts';
import type { AgentEnv, SessionContext } from './env.ts';
import type { GraphNames } from './graph-names.ts';
import type { ChatMessage } from './message.ts';

/** A topic an agent may publish to (one of its publications). */
export interface Outlet {
  /** Topic node id in the graph. */
  topicId: string;
  /** Topic type in the graph (what events and the canvas show). */
  graphType: string;
  /** Namespaced topic type in the runtime. */
  runtimeType: string;
}

/** Everything an agent type needs, built once per loaded graph and shared by all its instances. */
export interface AgentSetup<D extends AgentNode = AgentNode> {
  readonly def: D;
  readonly env: AgentEnv;
  readonly runtime: AgentRuntime;
  readonly names: GraphNames;
  readonly outlets: readonly Outlet[];
}

/** The turn a handler runs in: the session, the message's turn id and the topic that woke the agent. */
export interface Turn {
  readonly session: SessionContext;
  readonly turnId: string;
  /** Graph topic type of the message, or undefined for a direct send. */
  readonly topic: string | undefined;
  /** The agent span's trace context, for the model and tool calls of this handling; undefined when not traced. */
  readonly trace?: Context;
}

export const isChatMessage = (m: unknown): m is ChatMessage =>
  typeof m === 'object' &&
  m !== null &&
  typeof (m as ChatMessage).content === 'string' &&
  typeof (m as ChatMessage).turnId === 'string';

/**
 * The shared behaviour of every kind: reads the session from the agent key, emits the
 * start/finish/error events the canvas shows, ends the turn on an unexpected error, and publishes
 * replies inside the agent's own session. Instances hold only their id, the shared setup and
 * their small per-session state, so many idle sessions stay cheap.
 */
export abstract class GraphAgent<D extends AgentNode = AgentNode> implements Agent {
  /**
   * The runtime as this instance sees it (the same for each of its messages): once its session's
   * key is closed, whatever it still publishes goes nowhere. Until its first message (a restored
   * aggregation's timer) it publishes through the shared runtime, with its id as sender.
   */
  private runtime: AgentRuntime | undefined;

  constructor(
    readonly id: AgentId,
    protected readonly setup: AgentSetup<D>,
  ) {}

  protected get def(): D {
    return this.setup.def;
  }

  async onMessage(message: unknown, ctx: MessageContext): Promise<void> {
    this.runtime = ctx.runtime;
    const session = this.setup.env.session(this.id.key);
    const agent = this.def.type;
    if (!isChatMessage(message)) {
      session.emit('warning', {
        code: 'unexpected_message',
        message: `agent "${agent}" ignored a message that is not a chat message`,
      });
      return;
    }
    if (session.signal.aborted) return;
    const topic = ctx.topicId ? this.setup.names.graphTopicType(ctx.topicId.type) : undefined;
    const turn: Turn = { session, turnId: message.turnId, topic };
    session.emit('agent', { turnId: turn.turnId, agent, phase: 'start', topic, time: Date.now() });
    try {
      await inAgentSpan(turn.turnId, { id: this.def.id, type: agent, kind: this.def.kind, topic }, (trace) =>
        Promise.resolve(this.handle(message, trace ? { ...turn, trace } : turn)),
      );
      session.emit('agent', { turnId: turn.turnId, agent, phase: 'finish', topic, time: Date.now() });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      session.emit('agent', { turnId: turn.turnId, agent, phase: 'error', topic, error, time: Date.now() });
      // An abort already ended the turn; anything else would otherwise leave it waiting for nothing.
      if (!session.signal.aborted) session.endTurn(turn.turnId, 'error', `${agent}: ${error}`);
    }
  }

  protected abstract handle(message: ChatMessage, turn: Turn): Promise<void> | void;

  /**
   * Publishes `content` to `outlets` (default: all of the agent's publications) in its own
   * session. `firstId` lets a streamed reply keep the id its token events announced.
   */
  protected async publish(
    turnId: string,
    content: string,
    role: Role,
    outlets: readonly Outlet[] = this.setup.outlets,
    firstId?: string,
  ): Promise<void> {
    const runtime = this.runtime ?? this.setup.runtime;
    const pending: Promise<void>[] = [];
    topicsOut(
      turnId,
      this.def.id,
      outlets.map((o) => o.graphType),
    );
    for (let i = 0; i < outlets.length; i++) {
      const id = i === 0 && firstId ? firstId : randomUUID();
      const message: ChatMessage = { id, turnId, role, content, sender: this.def.type };
      pending.push(
        runtime.publishMessage(message, new TopicId(outlets[i].runtimeType, this.id.key), {
          sender: this.id,
          messageId: id,
        }),
      );
    }
    await Promise.all(pending);
  }

  saveState(): unknown {
    return {};
  }

  loadState(_state: unknown): void {}
}
