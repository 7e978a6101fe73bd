import { useTranslation } from 'react-i18next';
import { problemText } from '../model/problemText.ts';
import { useEditorStore } from '../store/editorContext.tsx';
import type { Mark } from './types.ts';

/** The validation badge on a node; its problems, in the interface's language, are its tooltip and accessible name. */
export function MarkBadge({ mark }: { mark?: Mark }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  if (!mark) return null;
  // Read, not subscribed: a new graph brings new marks, and with them a render of this badge.
  const graph = store.getState().graph;
  const text = mark.problems.map((p) => problemText(p, graph, t)).join('\n');
  return (
    <span
      className={`mark-badge ${mark.severity}`}
      title={text}
      aria-label={text}
      data-testid={`mark-${mark.severity}`}
    >
      {mark.severity === 'error' ? '!' : '?'}
      {mark.problems.length > 1 ? mark.problems.length : ''}
    </span>
  );
}
