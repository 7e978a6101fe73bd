import { useEffect, useId, useState, type ReactNode } from 'react';

/** A labelled row; the label is tied to its control for screen readers. */
export function Row({ label, children, hint }: { label: string; hint?: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {hint && <small className="field-hint">{hint}</small>}
    </div>
  );
}

/**
 * Text that commits on blur or Enter, so typing a sentence is one undo step rather than one per
 * key; it follows outside changes (undo, another selection) while not being edited.
 */
export function TextInput({
  id,
  value,
  onCommit,
  multiline,
  testId,
  placeholder,
}: {
  id: string;
  value: string;
  onCommit: (value: string) => void;
  multiline?: boolean;
  testId?: string;
  placeholder?: string;
}) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const commit = () => {
    if (draft !== value) onCommit(draft);
  };
  const common = { id, value: draft, placeholder, 'data-testid': testId, onBlur: commit };
  return multiline ? (
    <textarea {...common} rows={5} onChange={(e) => setDraft(e.target.value)} />
  ) : (
    <input
      {...common}
      type="text"
      onChange={(e) => setDraft(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
        if (e.key === 'Escape') setDraft(value);
      }}
    />
  );
}

export function NumberInput({
  id,
  value,
  onCommit,
  min,
  max,
  testId,
  optional,
}: {
  id: string;
  value: number | undefined;
  onCommit: (value: number | undefined) => void;
  min?: number;
  max?: number;
  testId?: string;
  optional?: boolean;
}) {
  const shown = value === undefined ? '' : String(value);
  const [draft, setDraft] = useState(shown);
  useEffect(() => setDraft(shown), [shown]);
  const commit = () => {
    if (draft === shown) return;
    if (draft.trim() === '') return optional ? onCommit(undefined) : setDraft(shown);
    const n = Number(draft);
    if (Number.isFinite(n)) onCommit(n);
    else setDraft(shown);
  };
  return (
    <input
      id={id}
      type="number"
      value={draft}
      min={min}
      max={max}
      data-testid={testId}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => e.key === 'Enter' && commit()}
    />
  );
}
