import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import type { TopicFlowNode } from './types.ts';
import { MarkBadge } from './MarkBadge.tsx';
import { countRender } from '../run/renderCount.ts';

/** A topic: its type, how many agents subscribe, and whether users write to it or read from it. */
export const TopicNode = memo(function TopicNode({ data, selected }: NodeProps<TopicFlowNode>) {
  countRender('TopicNode', data.topic.id);
  const { t } = useTranslation();
  const { topic, subscribers, entry, start, output, mark } = data;
  const classes = [
    'node',
    'topic-node',
    selected ? 'selected' : '',
    entry ? 'entry' : '',
    output ? 'output' : '',
    mark ? `mark-${mark.severity}` : '',
  ];
  return (
    <div className={classes.filter(Boolean).join(' ')} data-testid={`node-topic-${topic.type}`}>
      <Handle type="target" position={Position.Left} id="in" aria-label={t('canvas.handleIn')} />
      <div className="node-head">
        <span className="topic-icon" aria-hidden>
          #
        </span>
        <span className="node-kind">{t('canvas.topic')}</span>
        {entry && (
          <span className="flag flag-entry" data-testid="flag-entry">
            {t('canvas.entry')}
          </span>
        )}
        {start && (
          <span className="flag flag-start" data-testid="flag-start" title={t('canvas.startHelp')}>
            {t('canvas.start')}
          </span>
        )}
        {output && (
          <span className="flag flag-output" data-testid="flag-output">
            {t('canvas.output')}
          </span>
        )}
        <MarkBadge mark={mark} />
      </div>
      <div className="node-title" title={topic.type}>
        {topic.label || topic.type}
      </div>
      <div className="node-meta" data-testid="topic-subscribers">
        {t('canvas.subscribers', { count: subscribers })}
      </div>
      <Handle type="source" position={Position.Right} id="out" aria-label={t('canvas.handleOut')} />
    </div>
  );
});
