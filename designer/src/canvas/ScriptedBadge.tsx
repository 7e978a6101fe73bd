import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { agentModel } from '../model/kinds.ts';
import { isScripted } from '../model/providers.ts';
import { useEditor } from '../store/editorContext.tsx';

/** Says that replies come from a scripted stand-in, not an LLM: on nodes and in chat headers. */
export function ScriptedBadge() {
  const { t } = useTranslation();
  return (
    <span className="badge scripted" title={t('models.scriptedBadgeHelp')} data-testid="scripted-badge">
      {t('models.scriptedBadge')}
    </span>
  );
}

/**
 * The badge when any agent of the open graph runs on a scripted model (for a chat header).
 * Memoised: its check walks every agent, so it runs on graph edits, not on each new chat line.
 */
export const GraphScriptedBadge = memo(function GraphScriptedBadge() {
  const scripted = useEditor((s) => s.graph.agents.some((a) => isScripted(s.graph.models, agentModel(a))));
  return scripted ? <ScriptedBadge /> : null;
});
