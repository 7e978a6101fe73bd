import { useEffect, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import { graphsApi } from '../api/graphs.ts';
import { createEditorStore, type EditorStore } from '../store/editorStore.ts';
import { EditorProvider } from '../store/editorContext.tsx';
import { useRun } from '../run/runStore.ts';
import { Editor } from './Editor.tsx';

/** Loads a saved graph into a fresh store (a fresh undo history) and opens the editor on it. */
export function EditorPage({ graphId }: { graphId: string }) {
  const { t } = useTranslation();
  const [store, setStore] = useState<EditorStore>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let cancelled = false;
    setStore(undefined);
    setError(undefined);
    useRun.getState().reset();
    graphsApi
      .get(graphId)
      .then((saved) => {
        if (cancelled) return;
        const next = createEditorStore(saved.graph);
        next.getState().load(saved.graph, { version: saved.version, persisted: true });
        setStore(next);
      })
      .catch((e: Error) => !cancelled && setError(e.message));
    return () => {
      cancelled = true;
    };
  }, [graphId]);

  if (error)
    return (
      <div className="page-message" role="alert">
        <p>{t('editor.loadFailed', { error })}</p>
        <a href="#/">{t('editor.back')}</a>
      </div>
    );
  if (!store) return <div className="page-message">{t('editor.loading')}</div>;
  return (
    <EditorProvider store={store}>
      <ReactFlowProvider>
        <Editor />
      </ReactFlowProvider>
    </EditorProvider>
  );
}
