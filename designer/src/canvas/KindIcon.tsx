import type { AgentKind } from '../../../schemas/kinds/index.ts';

const glyphs: Record<AgentKind, string> = {
  assistant: '✦',
  user: '☺',
  router: '⇉',
  tool: '⚒',
  aggregator: '∑',
  terminator: '■',
};

/** A glyph per kind; unknown future kinds still render. */
export function KindIcon({ kind }: { kind: AgentKind }) {
  return (
    <span className={`kind-icon kind-${kind}`} aria-hidden>
      {glyphs[kind] ?? '●'}
    </span>
  );
}
