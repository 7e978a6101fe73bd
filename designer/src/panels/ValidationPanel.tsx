import { useTranslation } from 'react-i18next';
import { useReactFlow } from '@xyflow/react';
import type { Problem } from '../../../schemas/problem.ts';
import { useEditor, useEditorStore } from '../store/editorContext.tsx';
import { problemTarget } from '../model/marks.ts';

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
        {problems.map((p, i) => (
          <li key={i}>
            <button type="button" className={`problem ${p.severity}`} onClick={() => focus(p)} data-testid={`problem-${p.code}`}>
              <span className="sev">{t(`validation.${p.severity}`)}</span>
              <span className="msg">{p.message}</span>
              <code className="path">{p.path || '/'}</code>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
