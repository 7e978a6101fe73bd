import { createStore, type StoreApi } from 'zustand/vanilla';
import { temporal, type TemporalState } from 'zundo';
import type { Graph, Topic, Subscription } from '../../../schemas/graph.ts';
import type { Agent, AgentKind } from '../../../schemas/kinds/index.ts';
import * as edit from '../model/edit.ts';
import type { ConnectionRefusal } from '../model/connect.ts';
import { copySelection, pasteInto, type ClipboardPayload } from '../model/clipboard.ts';

export type Selection = { nodes: string[]; edges: string[] };
export type Size = { width: number; height: number };

/** Only the graph is history; selection, sizes and save state are not undo steps. */
type History = { graph: Graph };

export interface EditorState {
  graph: Graph;
  selection: Selection;
  /** Node sizes measured by React Flow, kept so rebuilt nodes need no re-measuring. */
  measured: Record<string, Size>;
  /** The graph as last saved (or loaded), to tell whether there are unsaved edits. */
  savedGraph: Graph | undefined;
  savedVersion: number | undefined;
  /** The graph before the drag in progress began: a drag becomes one undo step. */
  dragOrigin: Graph | undefined;

  load(graph: Graph, saved?: { version?: number; persisted: boolean }): void;
  markSaved(graph: Graph, version: number): void;
  addAgent(kind: AgentKind, at: edit.Position): string;
  addTopic(at: edit.Position): string;
  connect(source: string, target: string): { ok: true; id: string } | { ok: false; reason: ConnectionRefusal };
  deleteSelection(): void;
  removeEdge(id: string): void;
  updateAgent(id: string, patch: Partial<Agent>): void;
  updateTopic(id: string, patch: Partial<Topic>): void;
  updateSubscription(id: string, patch: Partial<Subscription>): void;
  updateGraph(patch: Partial<Graph>): void;
  setEntry(topicId: string): void;
  toggleOutput(topicId: string): void;
  setSelection(selection: Selection): void;
  selectAll(): void;
  beginDrag(): void;
  dragTo(positions: Record<string, edit.Position>): void;
  endDrag(): void;
  applyLayout(positions: Record<string, edit.Position>): void;
  setMeasured(sizes: Record<string, Size>): void;
  copy(): ClipboardPayload | undefined;
  paste(payload: ClipboardPayload, offset: edit.Position): void;
}

export type EditorStore = StoreApi<EditorState> & { temporal: StoreApi<TemporalState<History>> };

export function createEditorStore(initial: Graph): EditorStore {
  const store = createStore<EditorState>()(
    temporal(
      (set, get) => {
        const change = (next: Graph) => {
          if (next !== get().graph) set({ graph: next });
        };
        return {
          graph: initial,
          selection: { nodes: [], edges: [] },
          measured: {},
          savedGraph: undefined,
          savedVersion: undefined,
          dragOrigin: undefined,

          load(graph, saved) {
            set({
              graph,
              selection: { nodes: [], edges: [] },
              savedGraph: saved?.persisted ? graph : undefined,
              savedVersion: saved?.version,
            });
            store.temporal.getState().clear();
          },
          markSaved(graph, version) {
            set({ savedGraph: graph, savedVersion: version });
          },
          addAgent(kind, at) {
            const result = edit.addAgent(get().graph, kind, at);
            set({ graph: result.graph, selection: { nodes: [result.id], edges: [] } });
            return result.id;
          },
          addTopic(at) {
            const result = edit.addTopic(get().graph, at);
            set({ graph: result.graph, selection: { nodes: [result.id], edges: [] } });
            return result.id;
          },
          connect(source, target) {
            const result = edit.connect(get().graph, source, target);
            if (!result.ok) return result;
            set({ graph: result.graph });
            return { ok: true, id: result.id };
          },
          deleteSelection() {
            const { selection, graph } = get();
            set({ graph: edit.remove(graph, selection.nodes, selection.edges), selection: { nodes: [], edges: [] } });
          },
          removeEdge: (id) => change(edit.remove(get().graph, [], [id])),
          updateAgent: (id, patch) => change(edit.updateAgent(get().graph, id, patch)),
          updateTopic: (id, patch) => change(edit.updateTopic(get().graph, id, patch)),
          updateSubscription: (id, patch) => change(edit.updateSubscription(get().graph, id, patch)),
          updateGraph: (patch) => change({ ...get().graph, ...patch }),
          setEntry: (topicId) => change(edit.setEntry(get().graph, topicId)),
          toggleOutput: (topicId) => change(edit.toggleOutput(get().graph, topicId)),
          setSelection(selection) {
            const current = get().selection;
            if (sameIds(current.nodes, selection.nodes) && sameIds(current.edges, selection.edges)) return;
            set({ selection });
          },
          selectAll() {
            const { graph } = get();
            set({
              selection: {
                nodes: [...graph.agents.map((a) => a.id), ...graph.topics.map((t) => t.id)],
                edges: [...graph.subscriptions.map((s) => s.id), ...graph.publications.map((p) => p.id)],
              },
            });
          },
          beginDrag() {
            if (get().dragOrigin) return;
            set({ dragOrigin: get().graph });
            store.temporal.getState().pause();
          },
          dragTo(positions) {
            set({ graph: edit.moveNodes(get().graph, positions) });
          },
          endDrag() {
            const origin = get().dragOrigin;
            if (!origin) return;
            const final = get().graph;
            // Rewind to the pre-drag graph while paused, then record the move as one step.
            set({ graph: origin, dragOrigin: undefined });
            store.temporal.getState().resume();
            if (final !== origin) set({ graph: final });
          },
          applyLayout: (positions) => change(edit.moveNodes(get().graph, positions)),
          setMeasured(sizes) {
            set({ measured: { ...get().measured, ...sizes } });
          },
          copy() {
            const { graph, selection } = get();
            return selection.nodes.length ? copySelection(graph, selection.nodes) : undefined;
          },
          paste(payload, offset) {
            const result = pasteInto(get().graph, payload, offset);
            set({ graph: result.graph, selection: { nodes: result.nodeIds, edges: [] } });
          },
        };
      },
      {
        partialize: (state): History => ({ graph: state.graph }),
        equality: (past, current) => past.graph === current.graph,
        limit: 200,
      },
    ),
  ) as EditorStore;
  return store;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
