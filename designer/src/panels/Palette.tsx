import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { KindIcon } from '../canvas/KindIcon.tsx';
import { PALETTE_MIME, paletteItems, paletteKey, type PaletteItem } from './paletteItems.ts';

type Props = { onAdd: (item: PaletteItem) => void };

/** Searchable list of node kinds: drag one onto the canvas, or press Enter or its number key. */
export function Palette({ onAdd }: Props) {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const needle = query.trim().toLowerCase();
  const label = (item: PaletteItem) => (item.type === 'topic' ? t('canvas.topic') : t(`kinds.${item.kind}.name`));
  const blurb = (item: PaletteItem) => (item.type === 'topic' ? t('palette.topicHelp') : t(`kinds.${item.kind}.help`));
  const visible = paletteItems
    .map((item, index) => ({ item, shortcut: index + 1 }))
    .filter(
      ({ item }) => !needle || `${label(item)} ${blurb(item)} ${paletteKey(item)}`.toLowerCase().includes(needle),
    );

  return (
    <aside className="palette panel" aria-label={t('palette.title')} data-testid="palette">
      <h2 className="panel-title">{t('palette.title')}</h2>
      <input
        className="search"
        type="search"
        placeholder={t('palette.search')}
        aria-label={t('palette.search')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && visible[0]) onAdd(visible[0].item);
        }}
        data-testid="palette-search"
      />
      <ul className="palette-list">
        {visible.map(({ item, shortcut }) => (
          <li key={paletteKey(item)}>
            <button
              type="button"
              className="palette-item"
              draggable
              onDragStart={(e) => {
                e.dataTransfer.setData(PALETTE_MIME, paletteKey(item));
                e.dataTransfer.effectAllowed = 'copy';
              }}
              onClick={() => onAdd(item)}
              title={blurb(item)}
              data-testid={`palette-${paletteKey(item).replace(':', '-')}`}
            >
              {item.type === 'topic' ? (
                <span className="topic-icon" aria-hidden>
                  #
                </span>
              ) : (
                <KindIcon kind={item.kind} />
              )}
              <span className="palette-text">
                <span className="palette-name">{label(item)}</span>
                <span className="palette-help">{blurb(item)}</span>
              </span>
              <kbd aria-label={t('palette.shortcut', { key: shortcut })}>{shortcut}</kbd>
            </button>
          </li>
        ))}
        {visible.length === 0 && <li className="empty">{t('palette.none')}</li>}
      </ul>
      <p className="palette-tip">{t('palette.tip')}</p>
    </aside>
  );
}
