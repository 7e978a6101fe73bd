import { useRef, type PointerEvent, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ChevronDown, ChevronUp, Maximize2, Minimize2 } from 'lucide-react';
import { Tabs } from '../pages/Tabs.tsx';
import { RUN_AREA_MIN, useRunArea, type RunTab } from '../run/runArea.ts';

/** Space the canvas keeps above the run area while dragging its edge. */
const CANVAS_MIN = 120;
const KEY_STEP = 24;
/** Test results listen to no live events: kept mounted (hidden) so they survive a tab switch. */
const KEEP: ReadonlySet<RunTab> = new Set(['tests']);

type Props = { panels: Record<RunTab, () => ReactNode> };

/**
 * The run area under the canvas: tabs, a drag handle on its top edge (height remembered), a
 * maximise toggle and a collapse toggle. Only the shown tab's panel is mounted, so a hidden
 * trace or chat does no work while sessions run.
 */
export function RunArea({ panels }: Props) {
  const { t } = useTranslation();
  const { tab, open, maximised, height } = useRunArea();
  const area = useRunArea.getState();
  const section = useRef<HTMLElement>(null);

  const limit = (h: number) => Math.min(h, window.innerHeight - CANVAS_MIN);
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (!e.currentTarget.hasPointerCapture(e.pointerId)) return;
    const bottom = section.current!.getBoundingClientRect().bottom;
    area.resize(limit(bottom - e.clientY));
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    if (!e.currentTarget.hasPointerCapture(e.pointerId)) return;
    e.currentTarget.releasePointerCapture(e.pointerId);
    area.remember();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const step = e.key === 'ArrowUp' ? KEY_STEP : e.key === 'ArrowDown' ? -KEY_STEP : 0;
    if (!step) return;
    e.preventDefault();
    area.resize(limit(height + step));
    area.remember();
  };

  return (
    <section
      className="bottom run-area panel"
      aria-label={t('editor.bottomPanel')}
      ref={section}
      data-testid="run-area"
      style={{ height: open && !maximised ? height : undefined }}
    >
      <div
        className="run-area-handle"
        role="separator"
        aria-orientation="horizontal"
        aria-label={t('workspace.resize')}
        aria-valuenow={height}
        aria-valuemin={RUN_AREA_MIN}
        tabIndex={0}
        title={t('workspace.resize')}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onKeyDown={onKeyDown}
        data-testid="run-area-handle"
      />
      <div className="bottom-head">
        <Tabs
          label={t('editor.bottomPanel')}
          value={tab}
          onChange={area.show}
          tabs={[
            { id: 'run', label: t('run.title'), testId: 'tab-run' },
            { id: 'trace', label: t('trace.title'), testId: 'tab-trace' },
            { id: 'sessions', label: t('sessions.title'), testId: 'tab-sessions' },
            { id: 'tests', label: t('tests.title'), testId: 'tab-tests' },
          ]}
        />
        <button
          type="button"
          className="icon"
          aria-label={maximised ? t('workspace.restore') : t('workspace.maximise')}
          title={maximised ? t('workspace.restore') : t('workspace.maximise')}
          aria-pressed={maximised}
          onClick={area.toggleMaximised}
          data-testid="run-area-maximise"
        >
          {maximised ? <Minimize2 size={14} aria-hidden /> : <Maximize2 size={14} aria-hidden />}
        </button>
        <button
          type="button"
          className="icon"
          aria-label={open ? t('editor.collapse') : t('editor.expand')}
          title={open ? t('editor.collapse') : t('editor.expand')}
          aria-expanded={open}
          onClick={area.toggleOpen}
        >
          {open ? <ChevronDown size={14} aria-hidden /> : <ChevronUp size={14} aria-hidden />}
        </button>
      </div>
      {open && (
        <div className="bottom-body">
          {(Object.keys(panels) as RunTab[])
            .filter((id) => id === tab || KEEP.has(id))
            .map((id) => (
              <div key={id} className="bottom-pane" hidden={id !== tab}>
                {panels[id]()}
              </div>
            ))}
        </div>
      )}
    </section>
  );
}
