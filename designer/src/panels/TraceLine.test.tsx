import { cleanup, render, screen } from '@testing-library/react';
import { ReactFlowProvider } from '@xyflow/react';
import { afterEach, describe, expect, it } from 'vitest';
import '../i18n/index.ts';
import { newGraph } from '../model/newGraph.ts';
import { EditorProvider } from '../store/editorContext.tsx';
import { createEditorStore } from '../store/editorStore.ts';
import type { TraceRow } from '../run/traceRows.ts';
import { TraceLine } from './TraceLine.tsx';

afterEach(cleanup);

const usage = { promptTokens: 3, completionTokens: 2, cost: 0, estimated: true };
const turnRow = (traceId?: string): TraceRow => ({
  kind: 'turn',
  key: 't',
  sessionId: 's1',
  turnId: 'turn-1',
  index: 1,
  start: 1_000,
  end: 1_250,
  ended: {
    sessionId: 's1',
    turnId: 'turn-1',
    reason: 'completed',
    time: 1_250,
    usage,
    ...(traceId ? { traceId } : {}),
  },
  totals: [],
});

function show(row: TraceRow) {
  render(
    <EditorProvider store={createEditorStore(newGraph('trace'))}>
      <ReactFlowProvider>
        <TraceLine row={row} names={(type) => ({ label: type, type })} />
      </ReactFlowProvider>
    </EditorProvider>,
  );
}

describe('TraceLine turn header', () => {
  it("shows a traced turn's trace id in the trace view, to look it up in a tracing backend", () => {
    show(turnRow('4bf92f3577b34da6a3ce929d0e0e4736'));
    expect(screen.getByTestId('trace-turn').querySelector('[data-testid=trace-id]')?.textContent).toContain(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
  });

  it('shows no trace id for a turn that was not traced', () => {
    show(turnRow());
    expect(screen.getByTestId('trace-turn').querySelector('[data-testid=trace-id]')).toBeNull();
  });
});
