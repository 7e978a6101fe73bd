import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { graphsApi, type ExampleSummary, type GraphSummary } from '../api/graphs.ts';
import { modelsApi } from '../api/models.ts';
import { newGraph } from '../model/newGraph.ts';
import { starterGraph } from '../model/starterGraph.ts';
import { importDocument } from '../model/transfer.ts';
import { useUi } from '../store/uiStore.ts';
import { ImportDialog } from './ImportDialog.tsx';
import { GraphThumbnail } from './GraphThumbnail.tsx';
import { GRAPH_SORTS, sortGraphs, useSort, type GraphSort } from './graphSort.ts';
import { Preferences } from './Preferences.tsx';
import { navigate } from './router.ts';
import { storedAs, storeNewGraph } from './persist.ts';

/** Saved graphs with search, duplicate and delete; examples; new and import. */
export function StartPage() {
  const { t } = useTranslation();
  const toast = useUi((s) => s.toast);
  const [graphs, setGraphs] = useState<GraphSummary[]>();
  const [examples, setExamples] = useState<ExampleSummary[]>([]);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string>();
  const [importing, setImporting] = useState(false);
  const [sort, setSort] = useSort();

  const load = useCallback(() => {
    graphsApi
      .list()
      .then((list) => {
        setGraphs(list);
        setError(undefined);
      })
      .catch((e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    load();
    graphsApi.examples().then(setExamples, () => setExamples([]));
  }, [load]);

  const act = async (what: () => Promise<unknown>) => {
    try {
      await what();
    } catch (e) {
      toast('error', (e as Error).message);
    }
  };
  /** A blank graph, or the starter that answers at once; either on the runner's default model. */
  const create = (starter = false) =>
    act(async () => {
      const { defaultModel } = await modelsApi.info().catch(() => ({ defaultModel: null }));
      const model = defaultModel ?? undefined;
      const graph = starter
        ? starterGraph(
            t('starter.name'),
            { agent: t('starter.agent'), input: t('starter.input'), output: t('starter.output') },
            model,
          )
        : newGraph(t('start.untitled'), model);
      navigate({ page: 'editor', graphId: await storeNewGraph(graph) });
    });
  const openExample = (name: string) =>
    act(async () => {
      const doc = await graphsApi.example(name);
      const result = importDocument(JSON.stringify(doc));
      if (!result.graph) throw new Error(result.problems.map((p) => p.message).join('; '));
      // An example opened before is opened again, with the edits made to it since.
      const existing = await storedAs(result.graph.id);
      navigate({ page: 'editor', graphId: existing ? existing.id : await storeNewGraph(result.graph) });
    });
  const duplicate = (id: string) => act(async () => (await graphsApi.duplicate(id), load()));
  const remove = (g: GraphSummary) =>
    act(async () => {
      if (!window.confirm(t('start.confirmDelete', { name: g.name }))) return;
      await graphsApi.remove(g.id);
      load();
    });

  const needle = query.trim().toLowerCase();
  const shown = sortGraphs(
    (graphs ?? []).filter(
      (g) => !needle || [g.name, g.description, g.id, ...g.tags].some((s) => s.toLowerCase().includes(needle)),
    ),
    sort,
  );

  return (
    <div className="start">
      <header className="topbar">
        <span className="brand">
          <span className="logo" aria-hidden>
            ⌬
          </span>{' '}
          Switchboard
        </span>
        <span className="tagline">{t('start.tagline')}</span>
        <span className="spacer" />
        <Preferences />
      </header>
      <main className="start-main">
        <section className="start-actions">
          <button type="button" className="primary big" onClick={() => void create()} data-testid="new-graph">
            + {t('start.new')}
          </button>
          <button
            type="button"
            className="big"
            onClick={() => void create(true)}
            title={t('starter.hint')}
            data-testid="new-starter"
          >
            {t('starter.button')}
          </button>
          <button type="button" className="big" onClick={() => setImporting(true)} data-testid="import-open">
            {t('start.import')}
          </button>
          <input
            type="search"
            className="search"
            placeholder={t('start.search')}
            aria-label={t('start.search')}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            data-testid="graph-search"
          />
          <label className="sort">
            {t('startSort.label')}{' '}
            <select value={sort} onChange={(e) => setSort(e.target.value as GraphSort)} data-testid="graph-sort">
              {GRAPH_SORTS.map((s) => (
                <option key={s} value={s}>
                  {t(`startSort.${s}`)}
                </option>
              ))}
            </select>
          </label>
        </section>
        <h2>{t('start.graphs')}</h2>
        {error && (
          <p className="field-error" role="alert">
            {t('start.loadFailed', { error })}
          </p>
        )}
        {graphs === undefined && !error && <p className="muted">{t('editor.loading')}</p>}
        <ul className="cards" data-testid="graph-list">
          {shown.map((g) => (
            <li key={g.id} className="card" data-testid="graph-card" data-graph-id={g.id}>
              <a href={`#/g/${g.id}`} className="card-main">
                <GraphThumbnail thumbnail={g.thumbnail} />
                <strong className="card-title">{g.name}</strong>
                <span className="card-desc" title={g.description}>
                  {g.description ? <Described text={g.description} /> : '\u00a0'}
                </span>
                <span className="card-meta">
                  {t('counts.agents', { count: g.agents })} · {t('counts.topics', { count: g.topics })} · v{g.version}
                  {g.draft && <span className="draft"> · {t('editor.draft')}</span>} ·{' '}
                  {new Date(g.updatedAt).toLocaleString()}
                </span>
              </a>
              <div className="card-actions">
                <button
                  type="button"
                  className="small"
                  onClick={() => void duplicate(g.id)}
                  aria-label={t('start.duplicateNamed', { name: g.name })}
                >
                  {t('start.duplicate')}
                </button>
                <button
                  type="button"
                  className="small danger"
                  onClick={() => void remove(g)}
                  aria-label={t('start.deleteNamed', { name: g.name })}
                >
                  {t('start.delete')}
                </button>
              </div>
            </li>
          ))}
        </ul>
        {graphs && shown.length === 0 && <p className="muted">{needle ? t('start.noMatch') : t('start.empty')}</p>}
        <h2>{t('start.examples')}</h2>
        <ul className="cards examples" data-testid="example-list">
          {examples.map((x) => (
            <li key={x.name} className="card">
              <button
                type="button"
                className="card-main"
                onClick={() => void openExample(x.name)}
                data-testid={`example-${x.name}`}
              >
                <strong className="card-title">{x.title}</strong>
                <span className="card-desc" title={x.description}>
                  {x.description ? <Described text={x.description} /> : '\u00a0'}
                </span>
                <span className="card-meta">
                  {t('counts.agents', { count: x.agents })} · {t('counts.topics', { count: x.topics })}
                </span>
              </button>
            </li>
          ))}
        </ul>
        {examples.length === 0 && <p className="muted">{t('start.noExamples')}</p>}
      </main>
      {importing && <ImportDialog onClose={() => setImporting(false)} />}
    </div>
  );
}

/** A description as written: `backticked` names set as code, the rest as text. */
function Described({ text }: { text: string }) {
  return <>{text.split('`').map((part, i) => (i % 2 ? <code key={i}>{part}</code> : part))}</>;
}
