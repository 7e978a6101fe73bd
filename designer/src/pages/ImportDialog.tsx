import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { importDocument, type ImportResult } from '../model/transfer.ts';
import { problemText } from '../model/problemText.ts';
import { useUi } from '../store/uiStore.ts';
import { Dialog } from './Dialog.tsx';
import { navigate } from './router.ts';
import { storeAsCopy, storeAsNewVersion, storedAs, storeNewGraph } from './persist.ts';
import type { GraphSummary } from '../api/graphs.ts';

/**
 * Import from a file or pasted JSON: problems are shown before anything is stored or opened.
 * `mayLeave` is asked before the imported graph replaces the one open (unsaved edits).
 */
export function ImportDialog({ onClose, mayLeave = () => true }: { onClose: () => void; mayLeave?: () => boolean }) {
  const { t } = useTranslation();
  const toast = useUi((s) => s.toast);
  const [text, setText] = useState('');
  const [result, setResult] = useState<ImportResult>();
  const [busy, setBusy] = useState(false);
  // A stored graph with the imported id: the person chooses a new version of it or a copy.
  const [clash, setClash] = useState<GraphSummary>();

  const check = (value: string) => {
    setText(value);
    setClash(undefined);
    setResult(value.trim() ? importDocument(value) : undefined);
  };
  const store = async (how: (graph: NonNullable<ImportResult['graph']>) => Promise<string | undefined>) => {
    if (!result?.graph || !mayLeave()) return;
    setBusy(true);
    try {
      const id = await how(result.graph);
      if (id === undefined) return;
      onClose();
      navigate({ page: 'editor', graphId: id });
    } catch (e) {
      toast('error', (e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const open = () =>
    store(async (graph) => {
      const existing = await storedAs(graph.id);
      if (!existing) return storeNewGraph(graph);
      setClash(existing);
      return undefined;
    });
  const asVersion = () => clash && store((graph) => storeAsNewVersion(graph, clash));
  const asCopy = () => store((graph) => storeAsCopy(graph, t('importClash.copyName', { name: graph.name })));

  return (
    <Dialog title={t('import.title')} onClose={onClose} testId="import-dialog">
      <div className="import">
        <label className="file">
          {t('import.file')}{' '}
          <input
            type="file"
            accept="application/json,.json"
            data-testid="import-file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void file.text().then(check);
            }}
          />
        </label>
        <label htmlFor="import-text">{t('import.paste')}</label>
        <textarea
          id="import-text"
          className="code"
          rows={10}
          value={text}
          onChange={(e) => check(e.target.value)}
          data-testid="import-text"
          placeholder='{"format":"switchboard/graph", …}'
        />
        {result && (
          <div className={`import-result ${result.ok ? 'ok' : 'bad'}`} data-testid="import-result">
            {result.graph ? (
              <p>
                {t('import.summary', {
                  name: result.graph.name,
                  agents: t('counts.agents', { count: result.graph.agents.length }),
                  topics: t('counts.topics', { count: result.graph.topics.length }),
                })}
              </p>
            ) : (
              <p role="alert">{t('import.unreadable')}</p>
            )}
            {result.problems.length > 0 && (
              <ul className="problems" data-testid="import-problems">
                {result.problems.map((p, i) => (
                  <li key={i} className={p.severity}>
                    <code>{p.path || '/'}</code> {problemText(p, result.graph, t)}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {clash && (
          <div className="import-clash" role="alert" data-testid="import-clash">
            <p>{t('importClash.question', { name: clash.name, version: clash.version })}</p>
            <button type="button" disabled={busy} onClick={() => void asVersion()} data-testid="import-as-version">
              {t('importClash.asVersion', { version: clash.version + 1 })}
            </button>
            <button type="button" disabled={busy} onClick={() => void asCopy()} data-testid="import-as-copy">
              {t('importClash.asCopy')}
            </button>
          </div>
        )}
        <footer>
          <button type="button" onClick={onClose}>
            {t('import.cancel')}
          </button>
          {!clash && (
            <button
              type="button"
              className="primary"
              disabled={!result?.graph || busy}
              onClick={() => void open()}
              data-testid="import-confirm"
            >
              {result?.graph && !result.ok ? t('import.openDraft') : t('import.open')}
            </button>
          )}
        </footer>
      </div>
    </Dialog>
  );
}
