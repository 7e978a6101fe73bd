import { useTranslation } from 'react-i18next';
import type { ModelDef } from '../../../schemas/models.ts';
import { azureBaseUrl, azureResource, providerOf, type OpenAIDef } from '../model/providers.ts';
import { ConnectionTest } from './ConnectionTest.tsx';
import { NumberInput, Row, TextInput } from './fields.tsx';
import { ScriptedRules } from './ScriptedRules.tsx';

type Props = { model: ModelDef; credentials: string[]; onChange: (model: ModelDef) => void };

/** One model's form, with the fields its provider needs. Credentials are picked by name only. */
export function ModelForm({ model, credentials, onChange }: Props) {
  const { t } = useTranslation();
  const provider = providerOf(model);
  const test = `model-${model.id}`;
  const label = (
    <Row label={t('fields.label')}>
      {(id) => (
        <TextInput
          id={id}
          value={model.label ?? ''}
          onCommit={(v) => onChange(withOptional(model, 'label', v.trim() || undefined))}
        />
      )}
    </Row>
  );
  if (model.provider === 'scripted') {
    return (
      <div className="model-form" data-testid={`${test}-form`}>
        {label}
        <Row label={t('models.fallback')} hint={t('models.fallbackHint')}>
          {(id) => (
            <TextInput
              id={id}
              multiline
              value={model.fallback}
              onCommit={(fallback) => onChange({ ...model, fallback })}
              testId={`${test}-fallback`}
            />
          )}
        </Row>
        <ScriptedRules model={model} onChange={onChange} />
        <ConnectionTest model={model} onPick={() => undefined} />
      </div>
    );
  }
  const set = (patch: Partial<OpenAIDef>) => onChange({ ...model, ...patch });
  return (
    <div className="model-form" data-testid={`${test}-form`}>
      {label}
      {provider === 'azure' && (
        <Row label={t('models.azureResource')} hint={t('models.azureResourceHint')}>
          {(id) => (
            <TextInput
              id={id}
              value={azureResource(model.baseUrl)}
              onCommit={(v) => set({ baseUrl: azureBaseUrl(v) })}
              testId={`${test}-resource`}
            />
          )}
        </Row>
      )}
      {(provider === 'ollama' || provider === 'compatible') && (
        <Row
          label={t('models.baseUrl')}
          hint={t(provider === 'ollama' ? 'models.ollamaHint' : 'models.compatibleHint')}
        >
          {(id) => (
            <TextInput
              id={id}
              value={model.baseUrl ?? ''}
              onCommit={(v) => set({ baseUrl: v.trim() })}
              testId={`${test}-base-url`}
            />
          )}
        </Row>
      )}
      <Row label={provider === 'azure' ? t('models.deployment') : t('models.modelName')}>
        {(id) => (
          <TextInput
            id={id}
            value={model.model}
            onCommit={(v) => v.trim() && set({ model: v.trim() })}
            testId={`${test}-name`}
          />
        )}
      </Row>
      <Row label={t('models.credential')} hint={t('models.credentialHint')}>
        {(id) => (
          <select
            id={id}
            value={model.credential ?? ''}
            onChange={(e) => onChange(withOptional(model, 'credential', e.target.value || undefined))}
            data-testid={`${test}-credential`}
          >
            <option value="">
              {provider === 'openai' || provider === 'azure' ? t('models.envKey') : t('models.noKey')}
            </option>
            {[...new Set([...credentials, ...(model.credential ? [model.credential] : [])])].map((name) => (
              <option key={name} value={name}>
                {name}
                {credentials.includes(name) ? '' : ` (${t('models.notConfigured')})`}
              </option>
            ))}
          </select>
        )}
      </Row>
      <Row label={t('models.temperature')}>
        {(id) => (
          <NumberInput
            id={id}
            value={model.temperature}
            min={0}
            max={2}
            optional
            onCommit={(v) => onChange(withOptional(model, 'temperature', v))}
          />
        )}
      </Row>
      <Row label={t('models.maxTokens')}>
        {(id) => (
          <NumberInput
            id={id}
            value={model.maxTokens}
            min={1}
            optional
            onCommit={(v) => onChange(withOptional(model, 'maxTokens', v))}
          />
        )}
      </Row>
      <ConnectionTest model={model} onPick={(name) => set({ model: name })} />
    </div>
  );
}

/** Sets an optional field, or removes it when `value` is undefined (the graph keeps no empty keys). */
function withOptional<M extends ModelDef, K extends keyof M>(model: M, key: K, value: M[K] | undefined): M {
  const next = { ...model };
  if (value === undefined) delete next[key];
  else next[key] = value;
  return next;
}
