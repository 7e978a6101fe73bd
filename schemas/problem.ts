/** One thing wrong (or doubtful) in a graph document, located so an editor can point at it. */
export interface Problem {
  severity: 'error' | 'warning';
  /** JSON Pointer (RFC 6901) into the document: "" is the whole document, "/agents/2/config/model" a field. */
  path: string;
  /** Stable, machine-readable reason, e.g. "unknown_topic"; messages may be reworded, codes may not. */
  code: string;
  /** Plain English sentence for people; clients in other languages build theirs from code and params. */
  message: string;
  /**
   * The values the message is made of (ids, names, limits), so a client can say it in its own
   * words and language; ids of agents and topics can be shown as their labels.
   */
  params: ProblemParams;
  /** Agent or topic node the problem belongs to, so the canvas can mark it. */
  nodeId?: string;
  /** Subscription or publication edge the problem belongs to. */
  edgeId?: string;
}

/** Values a problem's text is built from; `variant` picks a wording of the same code. */
export type ProblemParams = Record<string, string | number>;

export type PathSegment = string | number;

/** RFC 6901: "~" → "~0", "/" → "~1". */
export function pointer(segments: readonly PathSegment[]): string {
  return segments.map((s) => '/' + String(s).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

export function problem(
  severity: Problem['severity'],
  segments: readonly PathSegment[],
  code: string,
  message: string,
  marks: Pick<Problem, 'nodeId' | 'edgeId'> = {},
  params: ProblemParams = {},
): Problem {
  return { severity, path: pointer(segments), code, message, params, ...marks };
}

export const hasErrors = (problems: readonly Problem[]): boolean => problems.some((p) => p.severity === 'error');

/** "a topic", "an agent": for messages that name what was expected. */
export const article = (noun: string): string => (/^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`);
