import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import '../i18n/index.ts';
import { TraceId } from './TraceId.tsx';

describe('TraceId', () => {
  it("shows a traced turn's trace id, to look up elsewhere", () => {
    render(<TraceId traceId="4bf92f3577b34da6a3ce929d0e0e4736" />);
    expect(screen.getByTestId('trace-id').textContent).toContain('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('shows nothing for a turn that was not traced', () => {
    const { container } = render(<TraceId traceId={undefined} />);
    expect(container.textContent).toBe('');
  });
});
