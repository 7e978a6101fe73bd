import { useTranslation } from 'react-i18next';
import { Dialog } from './Dialog.tsx';

const KEYS: [string, string][] = [
  ['1 – 7', 'shortcuts.add'],
  ['Ctrl+Z', 'editor.undo'],
  ['Ctrl+Shift+Z / Ctrl+Y', 'editor.redo'],
  ['Ctrl+C / Ctrl+X / Ctrl+V', 'shortcuts.clipboard'],
  ['Delete', 'shortcuts.delete'],
  ['Ctrl+A', 'shortcuts.selectAll'],
  ['Shift+click, Shift+drag', 'shortcuts.multi'],
  ['L', 'editor.layout'],
  ['F', 'editor.fit'],
  ['Ctrl+K / Ctrl+F', 'find.title'],
  ['Ctrl+S', 'editor.save'],
  ['Esc', 'shortcuts.clear'],
];

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Dialog title={t('editor.shortcuts')} onClose={onClose}>
      <dl className="shortcuts">
        {KEYS.map(([keys, label]) => (
          <div key={keys}>
            <dt>
              <kbd>{keys}</kbd>
            </dt>
            <dd>{t(label)}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
