import type { Context } from '@opentelemetry/api';

/** The contract every model client (openai, scripted) implements; clients are shared by sessions. */
export interface ModelMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  name?: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
}
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  messages: ModelMessage[];
  tools?: ToolSpec[];
  signal?: AbortSignal;
  /** Streamed content deltas; omitted for non-streaming calls. */
  onToken?: (delta: string) => void;
  /** Who is calling, for scripted rules and logs. */
  agent: string;
  /**
   * 1-based number of the caller's reply in its session (tool rounds of one reply share it), so a
   * stateless scripted model can match "the n-th call" even after the context window dropped turns.
   */
  call?: number;
  /** The calling agent's trace context (telemetry): the call's span is its child; undefined when not traced. */
  trace?: Context;
}
export interface ChatResult {
  content: string;
  toolCalls: ToolCall[];
  usage: { promptTokens: number; completionTokens: number; estimated: boolean };
  /** Why the provider stopped, as it said (OpenAI `finish_reason`: stop, length, tool_calls...); undefined when it did not say. */
  finishReason?: string;
}
export interface ModelClient {
  chat(request: ChatRequest): Promise<ChatResult>;
}
