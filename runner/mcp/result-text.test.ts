import { describe, expect, it } from 'vitest';
import { resultText } from './result-text.ts';

describe('resultText: what a model reads of a tools/call result', () => {
  it('keeps text and describes what a text model cannot read', () => {
    const r = resultText(
      {
        content: [
          { type: 'text', text: 'hello' },
          { type: 'image', data: 'AAAA', mimeType: 'image/png' },
          { type: 'audio', data: 'AAAAAA==', mimeType: 'audio/wav' },
          { type: 'resource_link', uri: 'file:///a.txt', name: 'a', mimeType: 'text/plain' },
          { type: 'resource', resource: { uri: 'mem://note', text: 'inline note' } },
          { type: 'resource', resource: { uri: 'mem://blob', blob: 'AAAA', mimeType: 'application/zip' } },
        ],
      },
      10_000,
    );
    expect(r.text).toBe(
      'hello\n[image image/png, 3 bytes, not shown]\n[audio audio/wav, 4 bytes, not shown]\n[resource link "a": file:///a.txt (text/plain)]\n[resource mem://note]\ninline note\n[resource mem://blob (application/zip), 3 bytes, not shown]',
    );
    expect(r).toMatchObject({ ok: true, truncated: false });
  });

  it('adds structured content as JSON unless a text block already carries it', () => {
    expect(resultText({ content: [{ type: 'text', text: 'see data' }], structuredContent: { t: 21 } }, 1000).text).toBe(
      'see data\n{"t":21}',
    );
    expect(
      resultText({ content: [{ type: 'text', text: '{ "t": 21 }' }], structuredContent: { t: 21 } }, 1000).text,
    ).toBe('{ "t": 21 }');
  });

  it('marks a server-side error and an empty result', () => {
    expect(resultText({ content: [{ type: 'text', text: 'no such city' }], isError: true }, 1000)).toMatchObject({
      ok: false,
      text: 'Error: no such city',
    });
    expect(resultText({ content: [] }, 1000).text).toBe('(no content)');
  });

  it('cuts at the cap with a marker giving the full size', () => {
    const r = resultText({ content: [{ type: 'text', text: 'z'.repeat(5000) }] }, 100);
    expect(r.text).toBe(`${'z'.repeat(100)}\n[truncated: 100 of 5000 characters]`);
    expect(r).toMatchObject({ chars: 5000, truncated: true });
  });
});
