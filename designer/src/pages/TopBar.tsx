import { useTranslation } from 'react-i18next';
import { Preferences } from './Preferences.tsx';

type Props = {
  name: string;
  status: 'saved' | 'dirty';
  version?: number;
  runnable: boolean;
  saving: boolean;
  history: { canUndo: boolean; canRedo: boolean; undo(): void; redo(): void };
  onSave(): void;
  onLayout(): void;
  onFit(): void;
  onExport(): void;
  onImport(): void;
  onHelp(): void;
};

export function TopBar(p: Props) {
  const { t } = useTranslation();
  const icon = (
    label: string,
    glyph: string,
    onClick: () => void,
    options: { disabled?: boolean; testId?: string; keys?: string } = {},
  ) => (
    <button
      type="button"
      className="icon"
      aria-label={label}
      title={options.keys ? `${label} (${options.keys})` : label}
      onClick={onClick}
      disabled={options.disabled}
      data-testid={options.testId}
    >
      {glyph}
    </button>
  );
  return (
    <header className="topbar">
      <a
        className="brand"
        href="#/"
        aria-label={t('editor.back')}
        onClick={(e) => {
          if (p.status === 'dirty' && !window.confirm(t('editor.leaveUnsaved'))) e.preventDefault();
        }}
        data-testid="back"
      >
        <span className="logo" aria-hidden>
          ⌬
        </span>{' '}
        Switchboard
      </a>
      <span className="graph-name" data-testid="graph-title">
        {p.name}
      </span>
      <span className={`status ${p.status}`} data-testid="save-status">
        {p.status === 'dirty' ? t('editor.unsaved') : t('editor.version', { version: p.version ?? '—' })}
        {!p.runnable && <span className="draft"> · {t('editor.draft')}</span>}
      </span>
      <span className="spacer" />
      <div className="toolbar" role="toolbar" aria-label={t('editor.toolbar')}>
        {icon(t('editor.undo'), '↶', p.history.undo, { disabled: !p.history.canUndo, testId: 'undo', keys: 'Ctrl+Z' })}
        {icon(t('editor.redo'), '↷', p.history.redo, {
          disabled: !p.history.canRedo,
          testId: 'redo',
          keys: 'Ctrl+Shift+Z',
        })}
        {icon(t('editor.layout'), '⊞', p.onLayout, { testId: 'auto-layout', keys: 'L' })}
        {icon(t('editor.fit'), '⤢', p.onFit, { testId: 'fit-view', keys: 'F' })}
        {icon(t('editor.shortcuts'), '⌨', p.onHelp, { keys: '?' })}
        <button type="button" onClick={p.onImport} data-testid="import-open">
          {t('editor.import')}
        </button>
        <button type="button" onClick={p.onExport} data-testid="export">
          {t('editor.export')}
        </button>
        <button
          type="button"
          className="primary"
          onClick={p.onSave}
          disabled={p.saving}
          data-testid="save"
          title="Ctrl+S"
        >
          {p.saving ? t('editor.saving') : t('editor.save')}
        </button>
      </div>
      <Preferences />
    </header>
  );
}
