import { useTranslation } from 'react-i18next';
import { Limits, type Graph, type Topic } from '../../../schemas/graph.ts';
import type { Agent } from '../../../schemas/kinds/index.ts';
import { useEditor, useEditorStore } from '../store/editorContext.tsx';
import { configSchemas } from '../model/kinds.ts';
import { toFieldSchema } from '../model/jsonSchema.ts';
import { SchemaForm } from './SchemaForm.tsx';
import { Row, TextInput } from './fields.tsx';
import { McpServersEditor } from './McpServersEditor.tsx';
import { McpAgentFields } from './McpAgentFields.tsx';
import { useUi } from '../store/uiStore.ts';
import { nodeName } from '../model/problemText.ts';

const limitsSchema = toFieldSchema(Limits);

/** The form for whatever is selected: a node, an edge, several things, or the graph itself. */
export function Inspector() {
  const { t } = useTranslation();
  const graph = useEditor((s) => s.graph);
  const selection = useEditor((s) => s.selection);
  // Undo can remove what was selected: only what still exists counts.
  const nodes = selection.nodes.filter(
    (id) => graph.agents.some((a) => a.id === id) || graph.topics.some((tp) => tp.id === id),
  );
  const count = nodes.length + selection.edges.length;

  let body;
  if (count > 1) body = <MultiSelection count={count} />;
  else if (nodes.length === 1) {
    const agent = graph.agents.find((a) => a.id === nodes[0]);
    const topic = graph.topics.find((tp) => tp.id === nodes[0]);
    body = agent ? (
      <AgentForm key={agent.id} agent={agent} graph={graph} />
    ) : topic ? (
      <TopicForm key={topic.id} topic={topic} graph={graph} />
    ) : null;
  } else if (selection.edges.length === 1) body = <EdgeForm id={selection.edges[0]!} graph={graph} />;
  body ??= <GraphForm graph={graph} />;

  return (
    <section className="inspector" aria-label={t('inspector.title')} data-testid="inspector">
      {body}
    </section>
  );
}

function MultiSelection({ count }: { count: number }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  return (
    <div className="inspector-body">
      <h3>{t('inspector.multi', { count })}</h3>
      <button type="button" className="danger" onClick={() => store.getState().deleteSelection()}>
        {t('inspector.deleteSelection')}
      </button>
    </div>
  );
}

function AgentForm({ agent, graph }: { agent: Agent; graph: Graph }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const update = (patch: Partial<Agent>) => store.getState().updateAgent(agent.id, patch);
  return (
    <div className="inspector-body" data-testid="inspector-agent">
      <h3>
        {t(`kinds.${agent.kind}.name`)} <small className="muted">{t(`kinds.${agent.kind}.help`)}</small>
      </h3>
      <Row label={t('fields.type')} hint={t('inspector.typeHint')}>
        {(id) => <TextInput id={id} testId="field-type" value={agent.type} onCommit={(type) => update({ type })} />}
      </Row>
      <Row label={t('fields.label')}>
        {(id) => (
          <TextInput
            id={id}
            testId="field-label"
            value={agent.label ?? ''}
            onCommit={(label) => update({ label: label || undefined })}
          />
        )}
      </Row>
      <Row label={t('fields.description')}>
        {(id) => (
          <TextInput
            id={id}
            multiline
            testId="field-description"
            value={agent.description ?? ''}
            onCommit={(description) => update({ description: description || undefined })}
          />
        )}
      </Row>
      <h4>{t('inspector.config')}</h4>
      <SchemaForm
        schema={configSchemas[agent.kind]}
        value={agent.config as Record<string, unknown>}
        graph={graph}
        testPrefix="config"
        onChange={(config) => update({ config } as Partial<Agent>)}
      />
      <McpAgentFields agent={agent} graph={graph} onConfig={(config) => update({ config } as Partial<Agent>)} />
      <Connections id={agent.id} graph={graph} />
    </div>
  );
}

function TopicForm({ topic, graph }: { topic: Topic; graph: Graph }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const update = (patch: Partial<Topic>) => store.getState().updateTopic(topic.id, patch);
  return (
    <div className="inspector-body" data-testid="inspector-topic">
      <h3>{t('canvas.topic')}</h3>
      <Row label={t('fields.type')} hint={t('inspector.topicTypeHint')}>
        {(id) => <TextInput id={id} testId="field-type" value={topic.type} onCommit={(type) => update({ type })} />}
      </Row>
      <Row label={t('fields.label')}>
        {(id) => (
          <TextInput
            id={id}
            testId="field-label"
            value={topic.label ?? ''}
            onCommit={(label) => update({ label: label || undefined })}
          />
        )}
      </Row>
      <Row label={t('fields.description')}>
        {(id) => (
          <TextInput
            id={id}
            multiline
            value={topic.description ?? ''}
            onCommit={(description) => update({ description: description || undefined })}
          />
        )}
      </Row>
      <div className="field field-check">
        <label>
          <input
            type="radio"
            name="entry"
            data-testid="mark-entry"
            checked={graph.entry === topic.id}
            onChange={() => store.getState().setEntry(topic.id)}
          />{' '}
          {t('inspector.entry')}
        </label>
      </div>
      <div className="field field-check">
        <label>
          <input
            type="checkbox"
            data-testid="mark-output"
            checked={graph.output.includes(topic.id)}
            onChange={() => store.getState().toggleOutput(topic.id)}
          />{' '}
          {t('inspector.output')}
        </label>
      </div>
      <Connections id={topic.id} graph={graph} />
    </div>
  );
}

/**
 * The node's edges, each removable, and pickers that add one: the keyboard way to wire a graph
 * (dragging handles needs a pointer).
 */
function Connections({ id, graph }: { id: string; graph: Graph }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const toast = useUi((s) => s.toast);
  const name = (nodeId: string) => nodeName(graph, nodeId);
  const isAgent = graph.agents.some((a) => a.id === id);
  const subs = graph.subscriptions.filter((s) => s.agent === id || s.topic === id);
  const pubs = graph.publications.filter((p) => p.agent === id || p.topic === id);
  const others = isAgent
    ? graph.topics.map((tp) => ({ id: tp.id, text: `#${labelled(tp)}` }))
    : graph.agents.map((a) => ({ id: a.id, text: labelled(a) }));
  const connect = (source: string, target: string) => {
    const result = store.getState().connect(source, target);
    if (!result.ok)
      toast(
        'hint',
        t('connectNamed.refused', {
          from: nodeName(graph, source),
          to: nodeName(graph, target),
          reason: t(`connect.refused.${result.reason}`),
        }),
        'connection-hint',
      );
  };
  const remove = (edgeId: string) => store.getState().removeEdge(edgeId);
  const picker = (label: string, testId: string, onPick: (other: string) => void) => (
    <Row label={label}>
      {(fieldId) => (
        <select id={fieldId} data-testid={testId} value="" onChange={(e) => e.target.value && onPick(e.target.value)}>
          <option value="">{t('inspector.choose')}</option>
          {others.map((o) => (
            <option key={o.id} value={o.id}>
              {o.text}
            </option>
          ))}
        </select>
      )}
    </Row>
  );
  return (
    <div className="connections">
      <h4>{t('inspector.connections')}</h4>
      {!subs.length && !pubs.length && <p className="muted">{t('inspector.unconnected')}</p>}
      <ul>
        {subs.map((s) => (
          <li key={s.id}>
            ⇢ {t('inspector.subscriptionLine', { topic: name(s.topic), agent: name(s.agent), kind: s.kind })}{' '}
            <button
              type="button"
              className="ghost small"
              aria-label={t('inspector.disconnect')}
              title={t('inspector.disconnect')}
              onClick={() => remove(s.id)}
            >
              ✕
            </button>
          </li>
        ))}
        {pubs.map((p) => (
          <li key={p.id}>
            ⇠ {t('inspector.publicationLine', { topic: name(p.topic), agent: name(p.agent) })}{' '}
            <button
              type="button"
              className="ghost small"
              aria-label={t('inspector.disconnect')}
              title={t('inspector.disconnect')}
              onClick={() => remove(p.id)}
            >
              ✕
            </button>
          </li>
        ))}
      </ul>
      {isAgent ? (
        <>
          {picker(t('inspector.subscribeTo'), 'connect-subscribe', (topic) => connect(topic, id))}
          {picker(t('inspector.publishTo'), 'connect-publish', (topic) => connect(id, topic))}
        </>
      ) : (
        <>
          {picker(t('inspector.deliverTo'), 'connect-deliver', (agent) => connect(id, agent))}
          {picker(t('inspector.receiveFrom'), 'connect-receive', (agent) => connect(agent, id))}
        </>
      )}
    </div>
  );
}

function EdgeForm({ id, graph }: { id: string; graph: Graph }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const name = (nodeId: string) => nodeName(graph, nodeId);
  const subscription = graph.subscriptions.find((s) => s.id === id);
  const publication = graph.publications.find((p) => p.id === id);
  if (subscription) {
    return (
      <div className="inspector-body" data-testid="inspector-subscription">
        <h3>{t('inspector.subscription')}</h3>
        <p>
          {t('inspector.subscriptionLine', {
            topic: name(subscription.topic),
            agent: name(subscription.agent),
            kind: subscription.kind,
          })}
        </p>
        <Row label={t('fields.kind')} hint={t('inspector.kindHint')}>
          {(fieldId) => (
            <select
              id={fieldId}
              data-testid="field-subscription-kind"
              value={subscription.kind}
              onChange={(e) => store.getState().updateSubscription(id, { kind: e.target.value as 'type' | 'prefix' })}
            >
              <option value="type">{t('inspector.kindType')}</option>
              <option value="prefix">{t('inspector.kindPrefix')}</option>
            </select>
          )}
        </Row>
      </div>
    );
  }
  if (publication) {
    return (
      <div className="inspector-body" data-testid="inspector-publication">
        <h3>{t('inspector.publication')}</h3>
        <p>{t('inspector.publicationLine', { topic: name(publication.topic), agent: name(publication.agent) })}</p>
      </div>
    );
  }
  return null;
}

function GraphForm({ graph }: { graph: Graph }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  return (
    <div className="inspector-body" data-testid="inspector-graph">
      <h3>{t('inspector.graph')}</h3>
      <Row label={t('fields.name')}>
        {(id) => (
          <TextInput
            id={id}
            testId="graph-name"
            value={graph.name}
            onCommit={(name) => store.getState().updateGraph({ name })}
          />
        )}
      </Row>
      <Row label={t('fields.description')}>
        {(id) => (
          <TextInput
            id={id}
            multiline
            value={graph.description}
            onCommit={(description) => store.getState().updateGraph({ description })}
          />
        )}
      </Row>
      <h4>{t('inspector.limits')}</h4>
      <SchemaForm
        schema={limitsSchema}
        value={graph.limits}
        graph={graph}
        testPrefix="limits"
        onChange={(limits) => store.getState().updateGraph({ limits: limits as Graph['limits'] })}
      />
      <h4>{t('inspector.models')}</h4>
      <p className="field-hint">{t('inspector.modelsHint')}</p>
      <h4>{t('mcp.title')}</h4>
      <McpServersEditor graph={graph} />
    </div>
  );
}

/** A node in a picker: its label, with its type name when the label differs. */
const labelled = (node: { type: string; label?: string }) =>
  node.label && node.label !== node.type ? `${node.label} (${node.type})` : node.type;
