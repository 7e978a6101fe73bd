import type { Mark } from './types.ts';

/** The validation badge on a node; the messages are its tooltip and accessible name. */
export function MarkBadge({ mark }: { mark?: Mark }) {
  if (!mark) return null;
  const text = mark.messages.join('\n');
  return (
    <span className={`mark-badge ${mark.severity}`} title={text} aria-label={text} data-testid={`mark-${mark.severity}`}>
      {mark.severity === 'error' ? '!' : '?'}
      {mark.messages.length > 1 ? mark.messages.length : ''}
    </span>
  );
}
