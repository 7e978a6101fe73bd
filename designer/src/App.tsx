import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useRoute } from './pages/router.ts';
import { StartPage } from './pages/StartPage.tsx';
import { EditorPage } from './pages/EditorPage.tsx';
import { useUi } from './store/uiStore.ts';

export function App() {
  const route = useRoute();
  const theme = useUi((s) => s.theme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  return (
    <>
      {route.page === 'editor' ? <EditorPage graphId={route.graphId} /> : <StartPage />}
      <Toasts />
    </>
  );
}

function Toasts() {
  const { t } = useTranslation();
  const toasts = useUi((s) => s.toasts);
  const dismiss = useUi((s) => s.dismiss);
  return (
    <div className="toasts" aria-live="assertive">
      {toasts.map((toast) => (
        <div
          key={toast.id}
          className={`toast ${toast.kind}`}
          role={toast.kind === 'error' ? 'alert' : 'status'}
          data-testid={toast.testId ?? `toast-${toast.kind}`}
        >
          <span>{toast.text}</span>
          <button type="button" className="icon" aria-label={t('editor.dismiss')} onClick={() => dismiss(toast.id)}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
