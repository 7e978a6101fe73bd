import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import type { Graph } from '../../../schemas/graph.ts';
import { ModelDef } from '../../../schemas/models.ts';
import { useEditorStore } from '../store/editorContext.tsx';

const Models = z.array(ModelDef);

/** Models as JSON: they are few, rich (rules, pricing) and mostly pasted from elsewhere. */
export function ModelsEditor({ graph }: { graph: Graph }) {
  const { t } = useTranslation();
  const store = useEditorStore();
  const shown = JSON.stringify(graph.models, null, 2);
  const [draft, setDraft] = useState(shown);
  const [error, setError] = useState<string>();
  useEffect(() => setDraft(shown), [shown]);

  const commit = () => {
    if (draft === shown) return setError(undefined);
    let value: unknown;
    try {
      value = JSON.parse(draft);
    } catch (e) {
      return setError((e as Error).message);
    }
    const parsed = Models.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return setError(`models/${issue.path.join('/')}: ${issue.message}`);
    }
    setError(undefined);
    store.getState().updateGraph({ models: parsed.data });
  };

  return (
    <div className="field">
      <textarea className="code" rows={8} aria-label={t('inspector.models')} value={draft} onChange={(e) => setDraft(e.target.value)} onBlur={commit} data-testid="models-json" />
      {error && <small className="field-error" role="alert">{error}</small>}
      <small className="field-hint">{t('inspector.modelsHint')}</small>
    </div>
  );
}
