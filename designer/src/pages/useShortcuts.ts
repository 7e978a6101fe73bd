import { useEffect, useRef } from 'react';

export type Shortcuts = {
  undo(): void;
  redo(): void;
  remove(): void;
  selectAll(): void;
  clearSelection(): void;
  save(): void;
  layout(): void;
  fit(): void;
  find(): void;
  addNth(index: number): void;
  help(): void;
  copy(): string | undefined;
  cut(): string | undefined;
  paste(text: string): void;
};

function editable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

/**
 * The editor's keys. Copy, cut and paste ride the browser's clipboard events, so the JSON lands
 * on the system clipboard and pasting works across graphs, tabs and windows without a permission prompt.
 */
export function useShortcuts(handlers: Shortcuts): void {
  const ref = useRef(handlers);
  ref.current = handlers;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const h = ref.current;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === 's') {
        e.preventDefault();
        return h.save();
      }
      // Ctrl/⌘+K or +F finds a node, even from a field (the browser's own find stays on F3).
      if (mod && (key === 'k' || key === 'f')) {
        e.preventDefault();
        return h.find();
      }
      if (editable(e.target)) return;
      if (mod && key === 'z') {
        e.preventDefault();
        return e.shiftKey ? h.redo() : h.undo();
      }
      if (mod && key === 'y') {
        e.preventDefault();
        return h.redo();
      }
      if (mod && key === 'a') {
        e.preventDefault();
        return h.selectAll();
      }
      if (mod || e.altKey) return;
      if (key === 'delete' || key === 'backspace') {
        e.preventDefault();
        return h.remove();
      }
      if (key === 'escape') return h.clearSelection();
      if (key === 'l') return h.layout();
      if (key === 'f') return h.fit();
      if (key === '?') return h.help();
      if (/^[1-9]$/.test(key)) return h.addNth(Number(key) - 1);
    };
    const onCopy = (e: ClipboardEvent) => {
      if (editable(e.target) || document.getSelection()?.toString()) return;
      const text = e.type === 'cut' ? ref.current.cut() : ref.current.copy();
      if (text === undefined) return;
      e.clipboardData?.setData('text/plain', text);
      e.preventDefault();
    };
    const onPaste = (e: ClipboardEvent) => {
      if (editable(e.target)) return;
      const text = e.clipboardData?.getData('text/plain');
      if (!text) return;
      e.preventDefault();
      ref.current.paste(text);
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('copy', onCopy);
    document.addEventListener('cut', onCopy);
    document.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('cut', onCopy);
      document.removeEventListener('paste', onPaste);
    };
  }, []);
}
