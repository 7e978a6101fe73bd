import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import type { AgentFlowNode } from './types.ts';
import { KindIcon } from './KindIcon.tsx';
import { MarkBadge } from './MarkBadge.tsx';
import { NodePreview } from './NodePreview.tsx';
import { ScriptedBadge } from './ScriptedBadge.tsx';
import { useWorking } from '../run/canvasLive.ts';
import { countRender } from '../run/renderCount.ts';

/** An agent: its kind, AutoGen type name and model; the runner's live state shows as a glow. */
export const AgentNode = memo(function AgentNode({ data, selected }: NodeProps<AgentFlowNode>) {
  countRender('AgentNode', data.agent.id);
  const { t } = useTranslation();
  const { agent, modelLabel, scripted, mark } = data;
  const working = useWorking(agent.type);
  const classes = [
    'node',
    'agent-node',
    `kind-${agent.kind}`,
    selected ? 'selected' : '',
    working ? 'working' : '',
    mark ? `mark-${mark.severity}` : '',
  ];
  return (
    <div
      className={classes.filter(Boolean).join(' ')}
      data-testid={`node-agent-${agent.type}`}
      data-working={working || undefined}
    >
      <Handle type="target" position={Position.Left} id="in" aria-label={t('canvas.handleIn')} />
      <div className="node-head">
        <KindIcon kind={agent.kind} />
        <span className="node-kind">{t(`kinds.${agent.kind}.name`)}</span>
        {working && <span className="working-dot" aria-label={t('canvas.working')} role="status" />}
        <MarkBadge mark={mark} />
      </div>
      <div className="node-title" title={agent.type}>
        {agent.label || agent.type}
      </div>
      {agent.label && <div className="node-sub">{agent.type}</div>}
      {modelLabel && (
        <div className="node-meta" data-testid="node-model">
          ⚙ {modelLabel} {scripted && <ScriptedBadge />}
        </div>
      )}
      <NodePreview agent={agent} />
      <Handle type="source" position={Position.Right} id="out" aria-label={t('canvas.handleOut')} />
    </div>
  );
});
