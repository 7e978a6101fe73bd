/** One thing wrong (or doubtful) in a graph document, located so an editor can point at it. */
export interface Problem {
  severity: 'error' | 'warning';
  /** JSON Pointer (RFC 6901) into the document: "" is the whole document, "/agents/2/config/model" a field. */
  path: string;
  /** Stable, machine-readable reason, e.g. "unknown_topic"; messages may be reworded, codes may not. */
  code: string;
  /** Plain sentence for people. */
  message: string;
  /** Agent or topic node the problem belongs to, so the canvas can mark it. */
  nodeId?: string;
  /** Subscription or publication edge the problem belongs to. */
  edgeId?: string;
}

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
): Problem {
  return { severity, path: pointer(segments), code, message, ...marks };
}

export const hasErrors = (problems: readonly Problem[]): boolean => problems.some((p) => p.severity === 'error');

/** "a topic", "an agent": for messages that name what was expected. */
export const article = (noun: string): string => (/^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`);
