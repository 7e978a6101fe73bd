import { describe, expect, it } from 'vitest';
import i18n from '../i18n/index.ts';
import { validateGraph } from '../../../schemas/validate.ts';
import { newGraph } from './newGraph.ts';
import { problemText } from './problemText.ts';

describe('problem text', () => {
  it('names nodes by label and speaks the interface language', async () => {
    const g = newGraph('labels');
    g.agents.push({
      id: 'a_x1',
      type: 'assistant_2',
      label: 'Billing helper',
      kind: 'assistant',
      config: { model: 'scripted', systemMessage: '', tools: [], contextWindow: 20, maxToolRounds: 5, stream: true },
    } as never);
    const silent = validateGraph(g).problems.find((p) => p.code === 'no_publication')!;
    await i18n.changeLanguage('en');
    expect(problemText(silent, g, i18n.t)).toBe('Billing helper publishes to no topic, so its results go nowhere');
    await i18n.changeLanguage('zh');
    expect(problemText(silent, g, i18n.t)).toBe('Billing helper 不发布到任何主题，其结果无处可去');
    await i18n.changeLanguage('en');
  });

  it('picks a wording by variant and falls back to the English sentence for an unknown code', () => {
    const g = newGraph('variants');
    const empty = {
      severity: 'error' as const,
      path: '/name',
      code: 'too_small',
      message: 'must not be empty',
      params: { variant: 'empty' },
    };
    expect(problemText(empty, g, i18n.t)).toBe('must not be empty');
    const odd = { severity: 'error' as const, path: '', code: 'from_the_future', message: 'something new', params: {} };
    expect(problemText(odd, g, i18n.t)).toBe('something new');
  });
});
