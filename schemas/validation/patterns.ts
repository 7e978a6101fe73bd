import { problem, type Problem } from '../problem.ts';
import type { GraphView } from './view.ts';

/** The regex flags the runner compiles with: scripted rules and case-insensitive router rules use "i". */
function regexError(source: string, flags: string): string | undefined {
  try {
    new RegExp(source, flags);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Regular expressions in router rules and scripted model rules compile, so no agent fails at run time. */
export function patternProblems(view: GraphView): Problem[] {
  const problems: Problem[] = [];
  for (const { index, item: agent } of view.agents) {
    if (agent.kind !== 'router') continue;
    agent.config.rules.forEach((rule, k) => {
      if (rule.match !== 'regex') return;
      const error = regexError(rule.value, rule.caseSensitive ? '' : 'i');
      if (error)
        problems.push(
          problem(
            'error',
            ['agents', index, 'config', 'rules', k, 'value'],
            'invalid_regex',
            `is not a valid regular expression: ${error}`,
            { nodeId: agent.id },
            { detail: error },
          ),
        );
    });
  }
  for (const { index, item: model } of view.models) {
    if (model.provider !== 'scripted') continue;
    model.rules.forEach((rule, k) => {
      if (rule.match.regex === undefined) return;
      const error = regexError(rule.match.regex, 'i');
      if (error)
        problems.push(
          problem(
            'error',
            ['models', index, 'rules', k, 'match', 'regex'],
            'invalid_regex',
            `is not a valid regular expression: ${error}`,
            {},
            { detail: error },
          ),
        );
    });
  }
  return problems;
}
