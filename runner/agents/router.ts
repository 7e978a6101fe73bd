import type { z } from 'zod';
import type { RouterAgent as RouterNode } from '../../schemas/kinds/index.ts';
import { GraphAgent, type Outlet, type Turn } from './base.ts';
import type { ChatMessage } from './message.ts';

type RouterDef = z.output<typeof RouterNode>;

interface CompiledRule {
  test: (content: string) => boolean;
  topic: string;
}

/** Compiled once per router definition, shared by all its instances. */
const compiled = new WeakMap<RouterDef, CompiledRule[]>();

function rulesOf(def: RouterDef): CompiledRule[] {
  let rules = compiled.get(def);
  if (!rules) {
    rules = def.config.rules.map((r, i) => {
      if (r.match === 'keyword') {
        const value = r.caseSensitive ? r.value : r.value.toLowerCase();
        return { topic: r.topic, test: (c: string) => (r.caseSensitive ? c : c.toLowerCase()).includes(value) };
      }
      let re: RegExp;
      try {
        re = new RegExp(r.value, r.caseSensitive ? '' : 'i');
      } catch (e) {
        throw new TypeError(
          `router "${def.type}": config.rules[${i}].value is not a valid regular expression: ${(e as Error).message}`,
        );
      }
      return { topic: r.topic, test: (c: string) => re.test(c) };
    });
    compiled.set(def, rules);
  }
  return rules;
}

/**
 * Forwards each message to one of its publication topics, chosen by the first matching rule
 * (keyword or regex) or by asking a model; `defaultTopic` when nothing is chosen.
 */
export class RouterAgent extends GraphAgent<RouterDef> {
  protected async handle(message: ChatMessage, turn: Turn): Promise<void> {
    const chosen =
      this.def.config.mode === 'model' ? await this.askModel(message, turn) : this.byRules(message.content);
    const outlet = chosen ?? this.outlet(this.def.config.defaultTopic);
    if (!outlet) {
      turn.session.emit('warning', {
        code: 'router_no_route',
        message: `router "${this.def.type}" found no topic for the message and has no usable defaultTopic`,
      });
      return;
    }
    await this.publish(turn.turnId, message.content, message.role, [outlet]);
  }

  private outlet(topicId: string | undefined): Outlet | undefined {
    return topicId === undefined ? undefined : this.setup.outlets.find((o) => o.topicId === topicId);
  }

  private byRules(content: string): Outlet | undefined {
    for (const rule of rulesOf(this.def)) {
      if (!rule.test(content)) continue;
      const outlet = this.outlet(rule.topic);
      if (outlet) return outlet;
    }
    return undefined;
  }

  private async askModel(message: ChatMessage, { session }: Turn): Promise<Outlet | undefined> {
    const { model: modelId } = this.def.config;
    if (!modelId) throw new Error(`router "${this.def.type}": mode "model" needs config.model`);
    const outlets = this.setup.outlets;
    const topics = this.setup.env.graph.topics;
    const lines = outlets.map((o) => {
      const t = topics.find((x) => x.id === o.topicId);
      const about = t?.description ?? t?.label;
      return `- ${o.graphType}${about ? `: ${about}` : ''}`;
    });
    const result = await this.setup.env.model(modelId).chat({
      agent: this.def.type,
      signal: session.signal,
      messages: [
        {
          role: 'system',
          content: `Choose where this message goes. Answer with exactly one topic name from this list:\n${lines.join('\n')}`,
        },
        { role: 'user', content: message.content },
      ],
    });
    session.recordUsage(this.def.type, result.usage, modelId);
    return pickOutlet(result.content, outlets);
  }
}

/** The outlet the answer names: an exact topic type or id first, else the longest one it mentions. */
export function pickOutlet(answer: string, outlets: readonly Outlet[]): Outlet | undefined {
  const a = answer
    .trim()
    .toLowerCase()
    .replace(/^["'`]+|["'`.]+$/g, '');
  const exact = outlets.find((o) => o.graphType.toLowerCase() === a || o.topicId.toLowerCase() === a);
  if (exact) return exact;
  const mentioned = outlets.filter((o) => a.includes(o.graphType.toLowerCase()));
  return mentioned.sort((x, y) => y.graphType.length - x.graphType.length)[0];
}
