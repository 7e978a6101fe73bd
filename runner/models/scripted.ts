import type { z } from 'zod';
import type { ScriptedModel, ScriptedRule } from '../../schemas/models.ts';
import { estimateTokens, promptChars, toolCallChars } from './estimate.ts';
import { ModelError } from './model-error.ts';
import { chunkClock } from './stream-pace.ts';
import type { ChatRequest, ChatResult, ModelClient, ModelMessage, ToolCall } from './types.ts';

export type ScriptedModelDef = z.output<typeof ScriptedModel>;

interface CompiledRule {
  contains?: string;
  regex?: RegExp;
  call?: number;
  reply: string;
  toolCalls?: ScriptedRule['toolCalls'];
}

/** What the last exchange of a request holds: the input that woke the agent and any tool results since. */
interface Turn {
  input: string;
  toolResults: string[];
  call: number;
}

const PLACEHOLDER = /\{(agent|input|tool|call)\}/g;

/**
 * A deterministic, offline model. Stateless: everything a rule matches on (the last user message,
 * the call number, tool results) is read from the request, so one client serves every session.
 *
 * A rule matches when all of its conditions hold: `contains` (case-insensitive substring),
 * `regex`, `call` (the n-th reply of that agent in the session). A rule with `toolCalls` first
 * answers with those calls; once their results are in the request it answers with `reply`, where
 * `{tool}` stands for the results. Replies may use `{agent}`, `{input}`, `{tool}` and `{call}`.
 */
export class ScriptedModelClient implements ModelClient {
  private readonly rules: CompiledRule[];

  constructor(private readonly def: ScriptedModelDef) {
    this.rules = def.rules.map((rule, i) => ({
      contains: rule.match.contains?.toLowerCase(),
      regex: rule.match.regex === undefined ? undefined : compileRegex(def.id, i, rule.match.regex),
      call: rule.match.call,
      reply: rule.reply,
      toolCalls: rule.toolCalls,
    }));
  }

  async chat(request: ChatRequest): Promise<ChatResult> {
    if (request.signal?.aborted) throw new ModelError('aborted', `model "${this.def.id}": call aborted`);
    const turn = readTurn(request.messages, request.call);
    const rule = this.rules.find((r) => matches(r, turn));

    let content: string;
    let toolCalls: ToolCall[] = [];
    if (rule?.toolCalls?.length && turn.toolResults.length === 0) {
      content = '';
      toolCalls = rule.toolCalls.map((c, i) => ({
        id: `call_${turn.call}_${i + 1}`,
        name: c.name,
        arguments: JSON.stringify(c.arguments, (_k, v) =>
          typeof v === 'string' ? fillTemplate(v, request.agent, turn) : v,
        ),
      }));
    } else {
      content = fillTemplate(rule ? rule.reply : this.def.fallback, request.agent, turn);
    }

    if (request.onToken && content) {
      const size = this.def.tokenSize * (this.def.pace?.chunkTokens ?? 1);
      const nextChunk = chunkClock(this.def.pace);
      for (let i = 0; i < content.length; i += size) {
        await nextChunk();
        if (request.signal?.aborted) throw new ModelError('aborted', `model "${this.def.id}": call aborted`);
        request.onToken(content.slice(i, i + size));
      }
    }
    return {
      content,
      toolCalls,
      // What a provider would say of this reply: the scripted model is its own provider.
      finishReason: toolCalls.length ? 'tool_calls' : 'stop',
      usage: {
        promptTokens: estimateTokens(promptChars(request.messages)),
        completionTokens: estimateTokens(content.length + toolCallChars(toolCalls)),
        estimated: true,
      },
    };
  }
}

function compileRegex(modelId: string, index: number, source: string): RegExp {
  try {
    return new RegExp(source, 'i');
  } catch (e) {
    throw new TypeError(
      `model "${modelId}": rules[${index}].match.regex is not a valid regular expression: ${(e as Error).message}`,
    );
  }
}

function matches(rule: CompiledRule, turn: Turn): boolean {
  if (rule.call !== undefined && rule.call !== turn.call) return false;
  if (rule.contains !== undefined && !turn.input.toLowerCase().includes(rule.contains)) return false;
  if (rule.regex !== undefined && !rule.regex.test(turn.input)) return false;
  return true;
}

function readTurn(messages: readonly ModelMessage[], call: number | undefined): Turn {
  const toolResults: string[] = [];
  let input = '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role === 'tool') toolResults.unshift(m.content);
    else if (m.role === 'user') {
      input = m.content;
      break;
    } else if (!(m.role === 'assistant' && m.toolCalls?.length)) break;
  }
  return { input, toolResults, call: call ?? countReplies(messages) + 1 };
}

/** Fallback call number when the caller passes none: the replies still in the context. */
function countReplies(messages: readonly ModelMessage[]): number {
  let n = 0;
  for (const m of messages) if (m.role === 'assistant' && !m.toolCalls?.length) n++;
  return n;
}

function fillTemplate(template: string, agent: string, turn: Turn): string {
  if (!template.includes('{')) return template;
  return template.replace(PLACEHOLDER, (_m, name: string) => {
    switch (name) {
      case 'agent':
        return agent;
      case 'input':
        return turn.input;
      case 'tool':
        return turn.toolResults.join('\n');
      default:
        return String(turn.call);
    }
  });
}
