import { useMemo } from 'react';
import { useEditor } from '../store/editorContext.tsx';

/** How a session's sender is shown: the node's label first, its type name and id as secondary text. */
export type AgentName = { label: string; type: string; id?: string };

/** Agent type → its name on the canvas, for the open graph. */
export function useAgentNames(): (type: string) => AgentName {
  const agents = useEditor((s) => s.graph.agents);
  return useMemo(() => {
    const byType = new Map(agents.map((a) => [a.type, { label: a.label || a.type, type: a.type, id: a.id }]));
    return (type: string) => byType.get(type) ?? { label: type, type };
  }, [agents]);
}

/** A sender's label, with its type and id in a quieter span and tooltip. */
export function Who({ name }: { name: AgentName }) {
  const secondary = name.label !== name.type ? name.type : undefined;
  return (
    <span className="who-name" title={[name.type, name.id].filter(Boolean).join(' · ')} data-testid="who">
      <span className="who-label">{name.label}</span>
      {secondary && <span className="who-secondary">{secondary}</span>}
    </span>
  );
}

/** Topic type → how the chat and trace show it: `#label`, with the type name as its tooltip. */
export function useTopicNames(): (type: string) => string {
  const topics = useEditor((s) => s.graph.topics);
  return useMemo(() => {
    const byType = new Map(topics.map((tp) => [tp.type, tp.label || tp.type]));
    return (type: string) => byType.get(type) ?? type;
  }, [topics]);
}

/** A topic by its label, its type name in the tooltip. */
export function TopicName({ type, names }: { type: string; names: (type: string) => string }) {
  return (
    <span className="trace-topic" title={type}>
      #{names(type)}
    </span>
  );
}

/** Model id → the name the trace shows: its label, else the provider's model name, else the id. */
export function useModelNames(): (id: string | undefined) => string | undefined {
  const models = useEditor((s) => s.graph.models);
  return useMemo(() => {
    const byId = new Map(
      models.map((m) => [m.id, m.label ?? ('model' in m && typeof m.model === 'string' ? m.model : m.id)]),
    );
    return (id) => (id === undefined ? undefined : (byId.get(id) ?? id));
  }, [models]);
}

/**
 * A runner's text that begins with an agent's type name ("writer: model call failed", a turn's
 * end by error), with that name shown as the node's label. Other text is left as it is.
 */
export function LabelledText({ text, names }: { text: string; names: (type: string) => AgentName }) {
  const head = /^([\w.-]+): ([\s\S]*)$/.exec(text);
  const name = head && names(head[1]!);
  if (!head || !name?.id) return <>{text}</>;
  return (
    <>
      <Who name={name} />: {head[2]}
    </>
  );
}
