import { useTranslation } from 'react-i18next';

/**
 * The W3C trace id of a turn (sent in turn_end when the runner exports traces), selectable so it
 * can be pasted into a tracing backend. Nothing when the turn was not traced.
 */
export function TraceId({ traceId }: { traceId: string | undefined }) {
  const { t } = useTranslation();
  if (!traceId) return null;
  return (
    <code className="trace-id" title={t('run.traceIdHint')} data-testid="trace-id">
      {t('run.traceId', { id: traceId })}
    </code>
  );
}
