import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A modal on the native <dialog>: focus is trapped and Escape closes it. */
export function Dialog({
  title,
  onClose,
  children,
  testId,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal?.();
  }, []);
  return (
    <dialog ref={ref} className="dialog" aria-label={title} onCancel={onClose} onClose={onClose} data-testid={testId}>
      <header>
        <h2>{title}</h2>
        <button
          type="button"
          className="icon"
          aria-label={t('editor.dismiss')}
          title={t('editor.dismiss')}
          onClick={onClose}
        >
          ✕
        </button>
      </header>
      {children}
    </dialog>
  );
}
