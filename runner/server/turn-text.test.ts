import { describe, expect, it } from 'vitest';
import { questionText, turnText } from './turn-text.ts';

const ask = (prompt: string) => ({ requestId: 'r1', turnId: 't1', prompt, timeoutMs: 1000 });

describe('the text form of a turn', () => {
  it('joins the outputs by a blank line', () => {
    expect(turnText(['one', 'two'])).toBe('one\n\ntwo');
    expect(turnText([])).toBe('');
  });

  it('drops the quote of a message that is already an output, so it is there once', () => {
    const question = ask('Approve this draft?\n\nThe draft.');
    expect(questionText(question, ['The draft.'])).toBe('Approve this draft?');
    expect(turnText(['The draft.'], question)).toBe('The draft.\n\nApprove this draft?');
  });

  it('keeps the quote of a message the client has not seen', () => {
    const question = ask('Approve this draft?\n\nAn internal draft.');
    expect(turnText(['Something else.'], question)).toBe(
      'Something else.\n\nApprove this draft?\n\nAn internal draft.',
    );
    expect(turnText([], question)).toBe('Approve this draft?\n\nAn internal draft.');
  });

  it('leaves a question that quotes nothing as it is', () => {
    expect(turnText(['A'], ask('Go on?'))).toBe('A\n\nGo on?');
    expect(questionText(ask('Go on?'), [''])).toBe('Go on?');
  });
});
