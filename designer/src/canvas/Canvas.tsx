import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  Panel,
  ReactFlow,
  useReactFlow,
  useStore,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type OnConnectEnd,
  type IsValidConnection,
} from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import { Map as MapIcon, MapMinus } from 'lucide-react';
import { useMinimapOpen } from './useMinimapOpen.ts';
import { FIT_FIRST, useFitView } from './fitClear.ts';
import { useEditor, useEditorStore } from '../store/editorContext.tsx';
import { useUi } from '../store/uiStore.ts';
import { classifyConnection } from '../model/connect.ts';
import { nodeName } from '../model/problemText.ts';
import { createProjector, type EdgeText, type Marks } from './project.ts';
import { edgeTypes, nodeTypes } from './nodeTypes.ts';
import type { FlowEdge, FlowNode } from './types.ts';
import { PALETTE_MIME, parsePaletteItem } from '../panels/paletteItems.ts';
import type { Size } from '../store/editorStore.ts';

type Props = { marks: Marks };

/** The drawing surface: a controlled React Flow bound to the editor store. */
export function Canvas({ marks }: Props) {
  const { t, i18n } = useTranslation();
  const store = useEditorStore();
  const graph = useEditor((s) => s.graph);
  const selection = useEditor((s) => s.selection);
  const measured = useEditor((s) => s.measured);
  const theme = useUi((s) => s.theme);
  const toast = useUi((s) => s.toast);
  const flow = useReactFlow();
  const project = useMemo(createProjector, []);
  const text: EdgeText = useMemo(
    () => ({
      subscription: (topic, agent) => t('canvas.edgeSubscription', { topic, agent }),
      publication: (agent, topic) => t('canvas.edgePublication', { agent, topic }),
      prefix: t('canvas.edgePrefix'),
    }),
    [t, i18n.language],
  );
  const { nodes, edges } = project({ graph, selection, measured, marks, text });
  // A graph opens fitted to the view (React Flow's first fit, at once), then clear of the minimap
  // and the zoom controls once the view's size is known.
  const fit = useFitView();
  const viewWidth = useStore((s) => s.width);
  const fitted = useRef(false);
  useEffect(() => {
    if (fitted.current || viewWidth === 0) return;
    fitted.current = true;
    fit(false);
  }, [viewWidth, fit]);
  // The minimap draws every node: mount it after the first paint so a large graph shows sooner.
  const [minimap, setMinimap] = useState(false);
  const [minimapOpen, setMinimapOpen] = useMinimapOpen();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => setMinimap(true));
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, []);

  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNode>[]) => {
      const state = store.getState();
      const positions: Record<string, { x: number; y: number }> = {};
      const sizes: Record<string, Size> = {};
      let selected: Set<string> | undefined;
      for (const change of changes) {
        if (change.type === 'position' && change.position)
          positions[change.id] = { x: Math.round(change.position.x), y: Math.round(change.position.y) };
        else if (change.type === 'dimensions' && change.dimensions) sizes[change.id] = change.dimensions;
        else if (change.type === 'select') {
          selected ??= new Set(state.selection.nodes);
          if (change.selected) selected.add(change.id);
          else selected.delete(change.id);
        }
      }
      if (Object.keys(sizes).length) state.setMeasured(sizes);
      if (Object.keys(positions).length) state.dragTo(positions);
      if (selected) state.setSelection({ nodes: [...selected], edges: store.getState().selection.edges });
    },
    [store],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<FlowEdge>[]) => {
      const state = store.getState();
      let selected: Set<string> | undefined;
      for (const change of changes) {
        if (change.type !== 'select') continue;
        selected ??= new Set(state.selection.edges);
        if (change.selected) selected.add(change.id);
        else selected.delete(change.id);
      }
      if (selected) state.setSelection({ nodes: store.getState().selection.nodes, edges: [...selected] });
    },
    [store],
  );

  // The refusal names both ends by their labels, so the person sees which wire was refused.
  const hint = useCallback(
    (reason: string, source: string, target: string) => {
      const graph = store.getState().graph;
      toast(
        'hint',
        t('connectNamed.refused', {
          from: nodeName(graph, source),
          to: nodeName(graph, target),
          reason: t(`connect.refused.${reason}`),
        }),
        'connection-hint',
      );
    },
    [store, t, toast],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      const result = store.getState().connect(connection.source, connection.target);
      if (!result.ok) hint(result.reason, connection.source, connection.target);
    },
    [store, hint],
  );

  const isValidConnection: IsValidConnection = useCallback(
    (c) => classifyConnection(store.getState().graph, c.source, c.target).ok,
    [store],
  );

  // A refused drop gets a hint saying why, instead of silently snapping back.
  const onConnectEnd: OnConnectEnd = useCallback(
    (_event, state) => {
      if (state.isValid || !state.fromNode || !state.toNode || state.fromNode.id === state.toNode.id) return;
      const [source, target] =
        state.fromHandle?.type === 'target'
          ? [state.toNode.id, state.fromNode.id]
          : [state.fromNode.id, state.toNode.id];
      const verdict = classifyConnection(store.getState().graph, source, target);
      if (!verdict.ok) hint(verdict.reason, source, target);
    },
    [store, hint],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(PALETTE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const item = parsePaletteItem(event.dataTransfer.getData(PALETTE_MIME));
      if (!item) return;
      event.preventDefault();
      const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      const position = { x: at.x - 80, y: at.y - 30 };
      if (item.type === 'topic') store.getState().addTopic(position);
      else store.getState().addAgent(item.kind, position);
    },
    [flow, store],
  );

  return (
    <div className="canvas" data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<FlowNode, FlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onNodeDragStart={() => store.getState().beginDrag()}
        onNodeDragStop={() => store.getState().endDrag()}
        onSelectionDragStart={() => store.getState().beginDrag()}
        onSelectionDragStop={() => store.getState().endDrag()}
        deleteKeyCode={null}
        multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
        onlyRenderVisibleElements
        colorMode={theme}
        fitView
        fitViewOptions={FIT_FIRST}
        minZoom={0.05}
        maxZoom={2.5}
        proOptions={{ hideAttribution: true }}
        aria-label={t('canvas.label')}
      >
        <Background gap={20} />
        {minimap && minimapOpen && (
          <MiniMap
            pannable
            zoomable
            style={{ marginBottom: 48 }}
            ariaLabel={t('canvas.minimap')}
            nodeClassName={(n) => String(n.type)}
          />
        )}
        <Panel position="bottom-right" className="minimap-toggle">
          <button
            type="button"
            className="small"
            aria-pressed={minimapOpen}
            onClick={() => setMinimapOpen(!minimapOpen)}
            title={minimapOpen ? t('minimap.hide') : t('minimap.show')}
            aria-label={minimapOpen ? t('minimap.hide') : t('minimap.show')}
            data-testid="minimap-toggle"
          >
            {minimapOpen ? <MapMinus size={14} aria-hidden /> : <MapIcon size={14} aria-hidden />}
          </button>
        </Panel>
        <Controls aria-label={t('canvas.controls')} />
      </ReactFlow>
    </div>
  );
}
