import { AGENT_KINDS, type AgentKind } from '../../../schemas/kinds/index.ts';

export type PaletteItem = { type: 'agent'; kind: AgentKind } | { type: 'topic' };
export const PALETTE_MIME = 'application/x-switchboard-node';

/** Every agent kind the schema knows, then topics; shortcut keys 1…n follow this order. */
export const paletteItems: PaletteItem[] = [
  ...AGENT_KINDS.map((kind) => ({ type: 'agent' as const, kind })),
  { type: 'topic' },
];

export const paletteKey = (item: PaletteItem) => (item.type === 'topic' ? 'topic' : `agent:${item.kind}`);

export function parsePaletteItem(text: string): PaletteItem | undefined {
  return paletteItems.find((item) => paletteKey(item) === text);
}
