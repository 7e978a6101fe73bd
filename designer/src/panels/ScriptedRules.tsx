import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { ScriptedRule, type ModelDef } from '../../../schemas/models.ts';

type Scripted = Extract<ModelDef, { provider: 'scripted' }>;
const Rules = z.array(ScriptedRule);

/** A scripted model's rules as JSON: they are rich (matches, tool calls) and mostly pasted. */
export function ScriptedRules({ model, onChange }: { model: Scripted; onChange: (model: Scripted) => void }) {
  const { t } = useTranslation();
  const shown = JSON.stringify(model.rules, null, 2);
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
    const parsed = Rules.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return setError(`rules/${issue.path.join('/')}: ${issue.message}`);
    }
    setError(undefined);
    onChange({ ...model, rules: parsed.data });
  };

  return (
    <div className="field">
      <label>
        {t('models.rules')}
        <textarea
          className="code"
          rows={4}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          data-testid={`model-${model.id}-rules`}
        />
      </label>
      {error && (
        <small className="field-error" role="alert">
          {error}
        </small>
      )}
      <small className="field-hint">{t('models.rulesHint')}</small>
    </div>
  );
}
