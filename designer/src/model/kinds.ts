import { agentKinds, type Agent, type AgentKind } from '../../../schemas/kinds/index.ts';
import type { Graph } from '../../../schemas/graph.ts';
import { toFieldSchema, type FieldSchema } from './jsonSchema.ts';

/** Config form schema per agent kind, derived once from schemas/kinds: adding a kind adds a form. */
export const configSchemas: Record<AgentKind, FieldSchema> = Object.fromEntries(
  agentKinds.map((kind) => [kind.shape.kind.value, toFieldSchema(kind.shape.config)]),
) as Record<AgentKind, FieldSchema>;

const configParsers = Object.fromEntries(
  agentKinds.map((kind) => [kind.shape.kind.value, kind.shape.config]),
) as Record<AgentKind, (typeof agentKinds)[number]['shape']['config']>;

/** Config fields that hold the id of another part of the graph, rendered as pickers. */
export const referenceFields: Record<string, 'model' | 'topic'> = {
  model: 'model',
  topic: 'topic',
  defaultTopic: 'topic',
};

/**
 * A valid starting config for a new agent of `kind`: the schema's defaults, plus the first
 * choice for every required field that has none (first enum value, first model of the graph).
 */
export function seedConfig(kind: AgentKind, graph: Pick<Graph, 'models'>): Agent['config'] {
  const schema = configSchemas[kind];
  const seed: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const field = schema.properties?.[name];
    if (referenceFields[name] === 'model') seed[name] = graph.models[0]?.id ?? 'model';
    else if (field?.enum) seed[name] = field.enum[0];
  }
  const parsed = configParsers[kind].safeParse(seed);
  return (parsed.success ? parsed.data : seed) as Agent['config'];
}

/** The model id an agent uses, if its kind has one. */
export function agentModel(agent: Agent): string | undefined {
  const config = agent.config as { model?: unknown };
  return typeof config.model === 'string' ? config.model : undefined;
}
