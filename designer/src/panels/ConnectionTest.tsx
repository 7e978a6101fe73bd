import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ModelDef } from '../../../schemas/models.ts';
import { modelsApi, type ProbeResult } from '../api/models.ts';

/**
 * "Test connection": the runner makes one minimal call with the model as it stands and answers ok
 * or the provider's error in words. When the provider lists its models, they are offered to pick.
 */
export function ConnectionTest({ model, onPick }: { model: ModelDef; onPick: (name: string) => void }) {
  const { t } = useTranslation();
  const [result, setResult] = useState<
    ProbeResult | { ok: false; reason: 'failed'; message: string; models: string[] }
  >();
  const [busy, setBusy] = useState(false);

  const test = async () => {
    setBusy(true);
    setResult(undefined);
    try {
      setResult(await modelsApi.test(model));
    } catch (e) {
      setResult({ ok: false, reason: 'failed', message: (e as Error).message, models: [] });
    } finally {
      setBusy(false);
    }
  };

  const current = model.provider === 'openai' ? model.model : '';
  return (
    <div className="connection-test">
      <button type="button" onClick={() => void test()} disabled={busy} data-testid="model-test">
        {busy ? t('models.testing') : t('models.test')}
      </button>
      {result && (
        <p
          className={`test-result ${result.ok ? 'ok' : 'bad'}`}
          role="status"
          data-testid="model-test-result"
          data-ok={result.ok}
        >
          {result.ok
            ? result.scripted
              ? t('models.testScripted')
              : t('models.testOk')
            : t(`models.reason.${result.reason}`, { status: 'status' in result ? result.status : '' })}
          {!result.ok && <small className="provider-words">{result.message}</small>}
        </p>
      )}
      {result && result.models.length > 0 && (
        <label className="field">
          {t('models.pick')}
          <select
            value={result.models.includes(current) ? current : ''}
            onChange={(e) => e.target.value && onPick(e.target.value)}
            data-testid="model-pick"
          >
            <option value="">{t('inspector.choose')}</option>
            {result.models.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
      )}
    </div>
  );
}
