import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ModelDef } from '../../../schemas/models.ts';
import { modelsApi } from '../api/models.ts';
import { ScriptedBadge } from '../canvas/ScriptedBadge.tsx';
import { freeModelId, newModel, PROVIDERS, providerOf, type Provider } from '../model/providers.ts';
import { useEditor, useEditorStore } from '../store/editorContext.tsx';
import { ModelForm } from './ModelForm.tsx';

/** The runner's credential names for this tenant, asked once per panel. */
function useCredentials(): string[] {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    modelsApi.info().then(
      (info) => live && setNames(info.credentials),
      () => live && setNames([]),
    );
    return () => {
      live = false;
    };
  }, []);
  return names;
}

/** The graph's models, one form each, and a way to add one per provider. */
export function ModelsEditor() {
  const { t } = useTranslation();
  const store = useEditorStore();
  const models = useEditor((s) => s.graph.models);
  const agents = useEditor((s) => s.graph.agents);
  const credentials = useCredentials();
  const [adding, setAdding] = useState<Provider>('openai');
  const [open, setOpen] = useState<string>();

  const replace = (id: string, model: ModelDef) =>
    store.getState().updateGraph({ models: models.map((m) => (m.id === id ? model : m)) });
  const remove = (id: string) => store.getState().updateGraph({ models: models.filter((m) => m.id !== id) });
  const add = () => {
    const model = newModel(adding, freeModelId(models, adding === 'scripted' ? 'scripted' : adding), credentials[0]);
    store.getState().updateGraph({ models: [...models, model] });
    setOpen(model.id);
  };
  const users = (id: string) => agents.filter((a) => (a.config as { model?: unknown }).model === id).length;

  return (
    <div className="inspector-body models-panel" data-testid="models-panel">
      <h3>{t('models.title')}</h3>
      <p className="field-hint">{t('models.intro')}</p>
      <ul className="model-list">
        {models.map((m) => (
          <li key={m.id} className="model-card" data-testid={`model-card-${m.id}`}>
            <div className="model-head">
              <button
                type="button"
                className="link"
                aria-expanded={open === m.id}
                onClick={() => setOpen(open === m.id ? undefined : m.id)}
                data-testid={`model-open-${m.id}`}
              >
                <strong>{m.label ?? m.id}</strong>{' '}
                <span className="muted">{t(`models.provider.${providerOf(m)}`)}</span>
              </button>
              {m.provider === 'scripted' && <ScriptedBadge />}
              <span className="muted">{t('models.usedBy', { count: users(m.id) })}</span>
              <button
                type="button"
                className="small danger"
                onClick={() => remove(m.id)}
                aria-label={t('models.removeNamed', { name: m.id })}
              >
                {t('inspector.remove')}
              </button>
            </div>
            {open === m.id && (
              <ModelForm model={m} credentials={credentials} onChange={(next) => replace(m.id, next)} />
            )}
          </li>
        ))}
      </ul>
      <div className="model-add">
        <label>
          {t('models.provider.label')}{' '}
          <select
            value={adding}
            onChange={(e) => setAdding(e.target.value as Provider)}
            data-testid="model-add-provider"
          >
            {PROVIDERS.map((p) => (
              <option key={p} value={p}>
                {t(`models.provider.${p}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="primary" onClick={add} data-testid="model-add">
          {t('models.add')}
        </button>
      </div>
    </div>
  );
}
