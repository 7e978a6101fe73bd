import type { MessageEvent } from '../../../schemas/protocol.ts';

/** One step of a recorded session, reduced to what a re-run must reproduce. */
export type Step = { sender: string; topic: string; content: string };

/** A recorded session kept as a regression test: the user's messages and every reply. */
export interface TestCase {
  id: string;
  name: string;
  createdAt: number;
  userMessages: string[];
  expected: Step[];
}

const toStep = (m: MessageEvent): Step => ({ sender: m.sender, topic: m.topic.type, content: m.content });

export function testCaseFromTrace(name: string, trace: readonly MessageEvent[]): TestCase {
  return {
    id: `tc-${Date.now().toString(36)}`,
    name,
    createdAt: Date.now(),
    userMessages: trace.filter((m) => m.sender === 'user').map((m) => m.content),
    expected: trace.filter((m) => m.sender !== 'user').map(toStep),
  };
}

export type Comparison = { actual: Step[]; expected: Step[]; divergesAt: number | undefined };

/** Where a re-run first differs from the recording (undefined when they agree step for step). */
export function compareRun(test: TestCase, trace: readonly MessageEvent[]): Comparison {
  const actual = trace.filter((m) => m.sender !== 'user').map(toStep);
  const length = Math.max(actual.length, test.expected.length);
  for (let i = 0; i < length; i++) {
    const a = actual[i];
    const e = test.expected[i];
    if (!a || !e || a.sender !== e.sender || a.topic !== e.topic || a.content !== e.content)
      return { actual, expected: test.expected, divergesAt: i };
  }
  return { actual, expected: test.expected, divergesAt: undefined };
}

const key = (graphId: string) => `switchboard.tests.${graphId}`;

/** Test cases live in this browser, per graph. */
export function loadTestCases(graphId: string): TestCase[] {
  try {
    const value = JSON.parse(localStorage.getItem(key(graphId)) ?? '[]') as unknown;
    return Array.isArray(value) ? (value as TestCase[]) : [];
  } catch {
    return [];
  }
}

export function saveTestCases(graphId: string, cases: TestCase[]): void {
  localStorage.setItem(key(graphId), JSON.stringify(cases));
}
