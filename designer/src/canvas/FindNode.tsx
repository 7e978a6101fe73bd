import { useMemo, useState } from 'react';
import { useReactFlow } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../pages/Dialog.tsx';
import { useEditor, useEditorStore } from '../store/editorContext.tsx';

type Hit = { id: string; title: string; detail: string };

/** The most matches listed: a find narrows down, it does not browse. */
const SHOWN = 30;

/** Find a node by label, id, type name or kind; choosing one selects it and centres the view on it. */
export function FindNode({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const graph = useEditor((s) => s.graph);
  const flow = useReactFlow();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);

  const hits = useMemo<Hit[]>(() => {
    const needle = query.trim().toLowerCase();
    const all: (Hit & { words: string[] })[] = [
      ...graph.agents.map((a) => ({
        id: a.id,
        title: a.label || a.type,
        detail: `${t(`kinds.${a.kind}.name`)} · ${a.type} · ${a.id}`,
        words: [a.label ?? '', a.type, a.id, a.kind, t(`kinds.${a.kind}.name`)],
      })),
      ...graph.topics.map((tp) => ({
        id: tp.id,
        title: tp.label || `#${tp.type}`,
        detail: `${t('canvas.topic')} · ${tp.type} · ${tp.id}`,
        words: [tp.label ?? '', tp.type, tp.id, 'topic', t('canvas.topic')],
      })),
    ];
    return all.filter((h) => !needle || h.words.some((w) => w.toLowerCase().includes(needle))).slice(0, SHOWN);
  }, [graph.agents, graph.topics, query, t]);

  const choose = (hit: Hit | undefined) => {
    if (!hit) return;
    store.getState().setSelection({ nodes: [hit.id], edges: [] });
    const node = flow.getInternalNode(hit.id);
    const at = graph.layout.nodes[hit.id] ?? { x: 0, y: 0 };
    const width = node?.measured.width ?? 190;
    const height = node?.measured.height ?? 84;
    void flow.setCenter(at.x + width / 2, at.y + height / 2, { zoom: Math.max(flow.getZoom(), 1), duration: 300 });
    onClose();
  };

  return (
    <Dialog title={t('find.title')} onClose={onClose} testId="find-node">
      <div className="find">
        <input
          type="search"
          autoFocus
          value={query}
          placeholder={t('find.placeholder')}
          aria-label={t('find.placeholder')}
          aria-controls="find-results"
          data-testid="find-input"
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') setActive((i) => Math.min(i + 1, hits.length - 1));
            else if (e.key === 'ArrowUp') setActive((i) => Math.max(i - 1, 0));
            else if (e.key === 'Enter') choose(hits[active]);
            else return;
            e.preventDefault();
          }}
        />
        <ul id="find-results" className="find-results" role="listbox" aria-label={t('find.results')}>
          {hits.map((h, i) => (
            <li key={h.id} role="option" aria-selected={i === active}>
              <button
                type="button"
                className={i === active ? 'active' : ''}
                onClick={() => choose(h)}
                data-testid={`find-hit-${h.id}`}
              >
                <strong>{h.title}</strong> <small className="muted">{h.detail}</small>
              </button>
            </li>
          ))}
        </ul>
        {hits.length === 0 && <p className="muted">{t('find.none')}</p>}
      </div>
    </Dialog>
  );
}
