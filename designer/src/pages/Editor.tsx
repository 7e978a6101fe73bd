import { useCallback, useEffect, useRef, useState } from 'react';
import { useReactFlow } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import { Canvas } from '../canvas/Canvas.tsx';
import { Palette } from '../panels/Palette.tsx';
import { Inspector } from '../panels/Inspector.tsx';
import { ValidationPanel } from '../panels/ValidationPanel.tsx';
import { ModelsEditor } from '../panels/ModelsEditor.tsx';
import { RunPanel } from '../panels/RunPanel.tsx';
import { RunArea } from '../panels/RunArea.tsx';
import { useRunArea } from '../run/runArea.ts';
import { TracePanel } from '../panels/TracePanel.tsx';
import { SessionsList } from '../panels/SessionsList.tsx';
import { TestsPanel } from '../panels/TestsPanel.tsx';
import { ImportDialog } from './ImportDialog.tsx';
import { ShortcutsHelp } from './ShortcutsHelp.tsx';
import { FindNode } from '../canvas/FindNode.tsx';
import { TopBar } from './TopBar.tsx';
import { Tabs } from './Tabs.tsx';
import { useEditor, useEditorStore, useHistory } from '../store/editorContext.tsx';
import { useValidation, validate } from '../store/useValidation.ts';
import { useUi } from '../store/uiStore.ts';
import { useCanvasLiveSync } from '../run/canvasLive.ts';
import { useRun } from '../run/runStore.ts';
import { startSession } from '../run/actions.ts';
import { graphsApi } from '../api/graphs.ts';
import { ApiFailure } from '../api/http.ts';
import { autoLayout } from '../layout/autoLayout.ts';
import { paletteItems, type PaletteItem } from '../panels/paletteItems.ts';
import { parseClipboard, serializeClipboard } from '../model/clipboard.ts';
import { download, exportDocument, exportFileName } from '../model/transfer.ts';
import { newId } from '../model/ids.ts';
import { freeSpot, newNodeSize } from '../model/placement.ts';
import { useShortcuts } from './useShortcuts.ts';
import { navigate } from './router.ts';
import { storeNewGraph } from './persist.ts';
import { problemLine } from '../model/problemText.ts';
import { useFitView } from '../canvas/fitClear.ts';

type Conflict = { currentVersion?: number };

/** The editing screen: top bar, palette, canvas, inspector and problems, run/trace/sessions/tests. */
export function Editor() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const graph = useEditor((s) => s.graph);
  const dirty = useEditor((s) => s.graph !== s.savedGraph);
  const savedVersion = useEditor((s) => s.savedVersion);
  const history = useHistory();
  const validation = useValidation(graph);
  useCanvasLiveSync(graph);
  const replaying = useRun((s) => s.replay !== undefined);
  const toast = useUi((s) => s.toast);
  const flow = useReactFlow();
  const fitView = useFitView();
  const [conflict, setConflict] = useState<Conflict>();
  const [saving, setSaving] = useState(false);
  const [side, setSide] = useState<'inspector' | 'problems' | 'models'>('inspector');
  const runOpen = useRunArea((s) => s.open);
  const runMaximised = useRunArea((s) => s.maximised);
  const [importing, setImporting] = useState(false);
  const [help, setHelp] = useState(false);
  const [finding, setFinding] = useState(false);
  const pasteCount = useRef(0);
  const selection = useEditor((s) => s.selection);

  // Choosing something on the canvas means "show me its form".
  useEffect(() => {
    if (selection.nodes.length || selection.edges.length) setSide('inspector');
  }, [selection]);

  const save = useCallback(
    async (options: { overwrite?: number } = {}): Promise<number | undefined> => {
      const { graph: current, savedVersion: base } = store.getState();
      const draft = !validate(current).runnable;
      setSaving(true);
      try {
        const saved =
          base === undefined
            ? await graphsApi.create(current, draft)
            : await graphsApi.update(current, options.overwrite ?? base, draft);
        store.getState().markSaved(current, saved.version);
        setConflict(undefined);
        toast(
          'info',
          draft ? t('editor.savedDraft', { version: saved.version }) : t('editor.saved', { version: saved.version }),
          'save-toast',
        );
        return saved.version;
      } catch (e) {
        if (e instanceof ApiFailure && e.status === 409) {
          setConflict({ currentVersion: (e.error.details as { currentVersion?: number } | undefined)?.currentVersion });
          return undefined;
        }
        toast('error', t('editor.saveFailed', { error: (e as Error).message }));
        return undefined;
      } finally {
        setSaving(false);
      }
    },
    [store, t, toast],
  );

  /** Sessions run saved versions: save first when there are edits. */
  const ensureSaved = useCallback(async () => {
    const state = store.getState();
    if (state.graph === state.savedGraph) return state.savedVersion;
    const version = await save();
    if (version === undefined) throw new Error(t('run.saveFirst'));
    return version;
  }, [store, save, t]);

  const [starting, setStarting] = useState(false);
  const start = async () => {
    setStarting(true);
    try {
      const version = await ensureSaved();
      await startSession(store.getState().graph.id, version);
      useRunArea.getState().show('run');
    } catch (e) {
      toast('error', (e as Error).message);
    } finally {
      setStarting(false);
    }
  };

  const viewportCenter = () => {
    const el = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    if (!el) return { x: 0, y: 0 };
    return flow.screenToFlowPosition({ x: el.left + el.width / 2, y: el.top + el.height / 2 });
  };
  // A node added by key or click lands on free space near the view's centre, off nodes and edges.
  const add = (item: PaletteItem) => {
    const { graph: current, measured } = store.getState();
    const position = freeSpot(
      current,
      measured,
      viewportCenter(),
      newNodeSize(item.type === 'topic' ? 'topic' : 'agent'),
    );
    if (item.type === 'topic') store.getState().addTopic(position);
    else store.getState().addAgent(item.kind, position);
  };

  const layout = async () => {
    const { graph: current, measured } = store.getState();
    try {
      const positions = await autoLayout(current, measured);
      store.getState().applyLayout(positions);
      requestAnimationFrame(() => fitView());
    } catch (e) {
      toast('error', (e as Error).message);
    }
  };

  const exportFile = () => download(exportFileName(graph), JSON.stringify(exportDocument(graph), null, 2));

  useShortcuts({
    undo: history.undo,
    redo: history.redo,
    remove: () => store.getState().deleteSelection(),
    selectAll: () => store.getState().selectAll(),
    clearSelection: () => store.getState().setSelection({ nodes: [], edges: [] }),
    save: () => void save(),
    layout: () => void layout(),
    fit: () => fitView(),
    find: () => setFinding(true),
    addNth: (i) => paletteItems[i] && add(paletteItems[i]),
    help: () => setHelp((h) => !h),
    copy: () => {
      const payload = store.getState().copy();
      return payload && serializeClipboard(payload);
    },
    cut: () => {
      const payload = store.getState().copy();
      if (payload) store.getState().deleteSelection();
      return payload && serializeClipboard(payload);
    },
    paste: (text) => {
      const parsed = parseClipboard(text);
      if (!parsed.ok) return toast('hint', t('editor.pasteRefused', { reason: parsed.reason }));
      const positions = Object.values(parsed.payload.positions);
      const minX = Math.min(...positions.map((p) => p.x), 0);
      const minY = Math.min(...positions.map((p) => p.y), 0);
      const center = viewportCenter();
      const step = (pasteCount.current++ % 6) * 30;
      store.getState().paste(parsed.payload, { x: center.x - minX - 100 + step, y: center.y - minY - 60 + step });
    },
  });

  // Closing or reloading the tab with unsaved edits asks first (the browser's own prompt).
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const resolveConflict = {
    // Their version replaces these edits in place: chats and panels stay as they are.
    reload: async () => {
      try {
        const saved = await graphsApi.get(store.getState().graph.id);
        store.getState().load(saved.graph, { version: saved.version, persisted: true });
        setConflict(undefined);
      } catch (e) {
        toast('error', (e as Error).message);
      }
    },
    overwrite: () => void save({ overwrite: conflict?.currentVersion }),
    copy: async () => {
      const current = store.getState().graph;
      const id = await storeNewGraph({ ...current, id: newId('g'), name: `${current.name} (${t('editor.copy')})` });
      navigate({ page: 'editor', graphId: id });
    },
  };

  const problemCount = validation.problems.length;
  const errors = validation.problems.filter((p) => p.severity === 'error');
  const blocker = errors[0] && { text: problemLine(errors[0], graph, t), more: errors.length - 1 };
  return (
    <div className={`app-shell ${runOpen ? '' : 'bottom-closed'} ${runMaximised ? 'run-maximised' : ''}`}>
      <TopBar
        name={graph.name}
        status={dirty ? 'dirty' : 'saved'}
        version={savedVersion}
        runnable={validation.runnable}
        saving={saving}
        history={history}
        onSave={() => void save()}
        onLayout={() => void layout()}
        onFit={() => fitView()}
        onExport={exportFile}
        onImport={() => setImporting(true)}
        onHelp={() => setHelp(true)}
      />
      {conflict && (
        <div className="banner conflict" role="alert" data-testid="conflict">
          <span>{t('editor.conflict', { version: conflict.currentVersion ?? '?' })}</span>
          <button type="button" onClick={() => void resolveConflict.reload()} data-testid="conflict-reload">
            {t('editor.conflictReload')}
          </button>
          <button type="button" onClick={() => void resolveConflict.copy()}>
            {t('editor.conflictCopy')}
          </button>
          <button type="button" className="danger" onClick={resolveConflict.overwrite} data-testid="conflict-overwrite">
            {t('editor.conflictOverwrite')}
          </button>
        </div>
      )}
      {replaying && <div className="banner replaying">{t('replay.banner')}</div>}
      <Palette onAdd={add} />
      <main className="center">
        <Canvas marks={validation.marks} />
      </main>
      <aside className="side panel">
        <Tabs
          label={t('editor.sidePanel')}
          value={side}
          onChange={setSide}
          tabs={[
            { id: 'inspector', label: t('inspector.title'), testId: 'tab-inspector' },
            {
              id: 'problems',
              label: t('validation.titleCount', { count: problemCount }),
              className: validation.runnable ? '' : 'has-errors',
              testId: 'tab-problems',
            },
            { id: 'models', label: t('models.tab'), testId: 'tab-models' },
          ]}
        />
        <div className="side-body">
          {side === 'inspector' && <Inspector />}
          {side === 'problems' && <ValidationPanel problems={validation.problems} />}
          {side === 'models' && <ModelsEditor />}
        </div>
      </aside>
      <RunArea
        panels={{
          run: () => (
            <RunPanel
              graphId={graph.id}
              runnable={validation.runnable}
              onStart={() => void start()}
              busy={starting}
              blocker={blocker}
              onShowProblems={() => setSide('problems')}
            />
          ),
          trace: () => <TracePanel />,
          sessions: () => <SessionsList graphId={graph.id} active />,
          tests: () => <TestsPanel graphId={graph.id} ensureSaved={ensureSaved} />,
        }}
      />
      {importing && (
        <ImportDialog
          onClose={() => setImporting(false)}
          mayLeave={() => !dirty || window.confirm(t('editor.leaveUnsaved'))}
        />
      )}
      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
      {finding && <FindNode onClose={() => setFinding(false)} />}
    </div>
  );
}
