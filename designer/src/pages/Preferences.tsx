import { useTranslation } from 'react-i18next';
import { LANGUAGES, setLanguage, type Language } from '../i18n/index.ts';
import { useUi } from '../store/uiStore.ts';

/** Language and theme, switchable at any time without a reload. */
export function Preferences() {
  const { t, i18n } = useTranslation();
  const theme = useUi((s) => s.theme);
  const setTheme = useUi((s) => s.setTheme);
  return (
    <div className="prefs">
      <select
        aria-label={t('prefs.language')}
        value={i18n.language}
        onChange={(e) => setLanguage(e.target.value as Language)}
        data-testid="language"
      >
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code}>
            {l.label}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="icon"
        aria-label={theme === 'dark' ? t('prefs.light') : t('prefs.dark')}
        title={theme === 'dark' ? t('prefs.light') : t('prefs.dark')}
        onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
        data-testid="theme-toggle"
      >
        {theme === 'dark' ? '☀' : '☾'}
      </button>
    </div>
  );
}
