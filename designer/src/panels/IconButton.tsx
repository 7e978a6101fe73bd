import type { LucideIcon } from 'lucide-react';

type Props = {
  icon: LucideIcon;
  /** The accessible name, also shown as the tooltip. */
  label: string;
  onClick: () => unknown;
  disabled?: boolean;
  danger?: boolean;
  /** A switch: whether it is on. */
  pressed?: boolean;
  /** A short word shown beside the icon, for an action people look for by name. */
  text?: string;
  testId?: string;
};

/** A control drawn as an icon, named for screen readers and explained by its tooltip. */
export function IconButton({ icon: Icon, label, onClick, disabled, danger, pressed, text, testId }: Props) {
  return (
    <button
      type="button"
      className={`control${danger ? ' danger' : ''}${text ? ' labelled' : ''}`}
      aria-label={label}
      title={label}
      aria-pressed={pressed}
      disabled={disabled}
      onClick={onClick}
      data-testid={testId}
    >
      <Icon size={14} aria-hidden />
      {text && <span>{text}</span>}
    </button>
  );
}
