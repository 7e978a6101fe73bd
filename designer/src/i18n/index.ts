import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';
import { zh } from './zh.ts';

export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'zh', label: '简体中文' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

const LANGUAGE_KEY = 'switchboard.language';

function initialLanguage(): Language {
  const saved = globalThis.localStorage?.getItem(LANGUAGE_KEY);
  if (saved === 'en' || saved === 'zh') return saved;
  return globalThis.navigator?.language?.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

// Screen readers pick their voice from <html lang>: it follows the language from the start, not only after a switch.
i18n.on('languageChanged', (code) => {
  if (globalThis.document) document.documentElement.lang = code === 'zh' ? 'zh-CN' : 'en';
});

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, zh: { translation: zh } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false }, // React escapes; labels are never set as HTML.
  returnNull: false,
});

export function setLanguage(code: Language): void {
  globalThis.localStorage?.setItem(LANGUAGE_KEY, code);
  void i18n.changeLanguage(code);
}

export default i18n;
