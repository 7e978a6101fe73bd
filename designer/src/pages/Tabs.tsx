import { useRef, type KeyboardEvent } from 'react';

type Tab<T extends string> = { id: T; label: string; className?: string; testId?: string };
type Props<T extends string> = { label: string; value: T; onChange: (value: T) => void; tabs: Tab<T>[] };

/** WAI-ARIA tabs: arrow keys move between them, only the active one is in the tab order. */
export function Tabs<T extends string>({ label, value, onChange, tabs }: Props<T>) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKey = (e: KeyboardEvent, index: number) => {
    const delta = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!delta) return;
    const next = (index + delta + tabs.length) % tabs.length;
    onChange(tabs[next]!.id);
    refs.current[next]?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((tab, i) => (
        <button
          key={tab.id}
          ref={(el) => {
            refs.current[i] = el;
          }}
          type="button"
          role="tab"
          aria-selected={tab.id === value}
          tabIndex={tab.id === value ? 0 : -1}
          className={`tab ${tab.id === value ? 'active' : ''} ${tab.className ?? ''}`}
          onClick={() => onChange(tab.id)}
          onKeyDown={(e) => onKey(e, i)}
          data-testid={tab.testId}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}
