import { memo } from 'react';
import { BaseEdge, getBezierPath, type EdgeProps } from '@xyflow/react';
import { usePulsing } from '../run/canvasLive.ts';
import { countRender } from '../run/renderCount.ts';
import type { FlowEdge } from './types.ts';

/** A bezier edge that lights up on its own when a live message travels it (the edge object stays as it is). */
export const LiveEdge = memo(function LiveEdge(props: EdgeProps<FlowEdge>) {
  countRender('LiveEdge', props.id);
  const {
    id,
    sourceX,
    sourceY,
    targetX,
    targetY,
    sourcePosition,
    targetPosition,
    label,
    labelStyle,
    labelShowBg,
    labelBgStyle,
    labelBgPadding,
    labelBgBorderRadius,
    style,
    markerEnd,
    markerStart,
    interactionWidth,
  } = props;
  const pulsing = usePulsing(id);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  return (
    <BaseEdge
      id={id}
      path={path}
      labelX={labelX}
      labelY={labelY}
      label={label}
      labelStyle={labelStyle}
      labelShowBg={labelShowBg}
      labelBgStyle={labelBgStyle}
      labelBgPadding={labelBgPadding}
      labelBgBorderRadius={labelBgBorderRadius}
      style={style}
      markerEnd={markerEnd}
      markerStart={markerStart}
      interactionWidth={interactionWidth}
      className={pulsing ? 'pulse' : undefined}
    />
  );
});
