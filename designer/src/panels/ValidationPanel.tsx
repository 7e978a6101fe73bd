import { useTranslation } from 'react-i18next';
import { useReactFlow } from '@xyflow/react';
import type { Problem } from '../../../schemas/problem.ts';
import { useEditor, useEditorStore } from '../store/editorContext.tsx';
import { problemTarget } from '../model/marks.ts';
import { problemText } from '../model/problemText.ts';

/** Every problem of the graph; choosing one selects and centres what it concerns. */
export function ValidationPanel({ problems }: { problems: Problem[] }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const graph = useEditor((s) => s.graph);
  const flow = useReactFlow();

  const focus = (problem: Problem) => {
    const target = problemTarget(graph, problem);
    if (target.nodeId) {
      store.getState().setSelection({ nodes: [target.nodeId], edges: [] });
      const at = graph.layout.nodes[target.nodeId];
      if (at) void flow.setCenter(at.x + 90, at.y + 35, { zoom: Math.max(flow.getZoom(), 0.8), duration: 300 });
    } else if (target.edgeId) store.getState().setSelection({ nodes: [], edges: [target.edgeId] });
  };

  if (problems.length === 0) {
    return (
      <section className="validation ok" data-testid="validation-panel" aria-label={t('validation.title')}>
        <p>✓ {t('validation.none')}</p>
      </section>
    );
  }
  return (
    <section className="validation" data-testid="validation-panel" aria-label={t('validation.title')}>
      <ul>
        {problems.map((p, i) => {
          const node = problemTarget(graph, p).nodeId;
          const agent = node ? graph.agents.find((a) => a.id === node) : undefined;
          const topic = node ? graph.topics.find((tp) => tp.id === node) : undefined;
          const named = agent ?? topic;
          return (
            <li key={i}>
              <button
                type="button"
                className={`problem ${p.severity}`}
                onClick={() => focus(p)}
                data-testid={`problem-${p.code}`}
              >
                <span className="sev">{t(`validation.${p.severity}`)}</span>
                {named && (
                  <span className="who" data-testid="problem-node">
                    <strong>{named.label || named.type}</strong>
                    <small className="muted">{named.label ? `${named.type} · ${named.id}` : named.id}</small>
                  </span>
                )}
                <span className="msg" data-testid="problem-text">
                  {problemText(p, graph, t)}
                </span>
                <code className="path">{p.path || '/'}</code>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
