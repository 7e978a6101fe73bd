import type { Context } from '@opentelemetry/api';
import type { z } from 'zod';

/** The session user's memory, as agents and tools see it. */
export interface UserMemory {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  list(): Promise<Record<string, string>>;
}

/** What a tool may use: the graph's HTTP allow-list, the session user's memory, the turn's signal. */
export interface ToolContext {
  /** Hosts `http_get` may reach (graph.limits.allowedHosts): "host", "host:port" or "*.domain". */
  allowedHosts: readonly string[];
  memory?: UserMemory;
  signal?: AbortSignal;
  /** Per-request limit of `http_get` (default 10 s). */
  httpTimeoutMs?: number;
  /** Most bytes `http_get` reads from a body (default 100 000). */
  httpMaxBytes?: number;
  /** The tool call's trace context, sent on its HTTP requests (traceparent); undefined when not traced. */
  trace?: Context;
}

/** One built-in tool: its arguments schema (also the OpenAI tool spec) and its behaviour. */
export interface BuiltinTool<Args extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  args: Args;
  /**
   * Arguments for a `tool` agent that received `content` as plain text; `argument` is the
   * agent's configured argument (a path, a URL template...). Messages holding a JSON object are
   * taken as the arguments themselves before this is asked.
   */
  fromText(content: string, argument: string | undefined): Record<string, unknown>;
  /** Returns the text the model or the next agent reads; throws ToolFailure (or anything) on failure. */
  run(args: z.output<Args>, ctx: ToolContext): Promise<string> | string;
}

/** A failure whose message is meant for the model to read as is. */
export class ToolFailure extends Error {}
