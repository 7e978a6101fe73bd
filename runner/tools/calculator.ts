import { z } from 'zod';
import { ToolFailure, type BuiltinTool } from './types.ts';

const MAX_LENGTH = 1000;
const MAX_DEPTH = 64;

const FUNCTIONS: Record<string, { arity: [number, number]; fn: (...x: number[]) => number }> = {
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  abs: { arity: [1, 1], fn: Math.abs },
  sin: { arity: [1, 1], fn: Math.sin },
  cos: { arity: [1, 1], fn: Math.cos },
  tan: { arity: [1, 1], fn: Math.tan },
  asin: { arity: [1, 1], fn: Math.asin },
  acos: { arity: [1, 1], fn: Math.acos },
  atan: { arity: [1, 1], fn: Math.atan },
  exp: { arity: [1, 1], fn: Math.exp },
  ln: { arity: [1, 1], fn: Math.log },
  log: { arity: [1, 1], fn: Math.log10 },
  log2: { arity: [1, 1], fn: Math.log2 },
  floor: { arity: [1, 1], fn: Math.floor },
  ceil: { arity: [1, 1], fn: Math.ceil },
  round: { arity: [1, 1], fn: Math.round },
  pow: { arity: [2, 2], fn: Math.pow },
  min: { arity: [1, 100], fn: Math.min },
  max: { arity: [1, 100], fn: Math.max },
};
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };

type Token =
  | { kind: 'num'; value: number; pos: number }
  | { kind: 'id'; value: string; pos: number }
  | { kind: 'op'; value: string; pos: number };

const TOKEN = /(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_]\w*)|(\*\*|[-+*/%^(),])/y;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  for (;;) {
    while (pos < src.length && /\s/.test(src[pos])) pos++;
    if (pos >= src.length) return tokens;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) throw new ToolFailure(`unexpected "${src[pos]}" at position ${pos + 1}`);
    if (m[1] !== undefined) tokens.push({ kind: 'num', value: Number(m[1]), pos });
    else if (m[2] !== undefined) tokens.push({ kind: 'id', value: m[2].toLowerCase(), pos });
    else tokens.push({ kind: 'op', value: m[3] === '**' ? '^' : m[3], pos });
    pos = TOKEN.lastIndex;
  }
}

/**
 * A recursive-descent parser (no eval): + - * / % with the usual precedence, right-associative
 * ^ (or **) binding tighter than unary minus (-2^2 = -4), parentheses, pi, e and a few functions.
 */
export function evaluate(expression: string): number {
  if (expression.length > MAX_LENGTH) throw new ToolFailure(`expression is longer than ${MAX_LENGTH} characters`);
  const tokens = tokenize(expression);
  let i = 0;
  let depth = 0;
  const peek = () => tokens[i];
  const isOp = (v: string) => peek()?.kind === 'op' && peek()!.value === v;
  const where = () => (peek() ? `"${peek()!.value}" at position ${peek()!.pos + 1}` : 'end of expression');
  const expect = (v: string) => {
    if (!isOp(v)) throw new ToolFailure(`expected "${v}" but found ${where()}`);
    i++;
  };
  const nested = <T>(f: () => T): T => {
    if (++depth > MAX_DEPTH) throw new ToolFailure(`expression is nested deeper than ${MAX_DEPTH} levels`);
    try {
      return f();
    } finally {
      depth--;
    }
  };

  const additive = (): number => {
    let v = multiplicative();
    while (isOp('+') || isOp('-')) v = tokens[i++].value === '+' ? v + multiplicative() : v - multiplicative();
    return v;
  };
  const multiplicative = (): number => {
    let v = unary();
    while (isOp('*') || isOp('/') || isOp('%')) {
      const op = tokens[i++].value;
      const r = unary();
      if ((op === '/' || op === '%') && r === 0) throw new ToolFailure('division by zero');
      v = op === '*' ? v * r : op === '/' ? v / r : v % r;
    }
    return v;
  };
  const unary = (): number =>
    nested(() => {
      if (isOp('-')) return (i++, -unary());
      if (isOp('+')) return (i++, unary());
      return power();
    });
  const power = (): number => {
    const base = primary();
    if (!isOp('^')) return base;
    i++;
    return Math.pow(base, unary());
  };
  const primary = (): number => {
    const t = peek();
    if (!t) throw new ToolFailure('unexpected end of expression');
    if (t.kind === 'num') return (i++, t.value);
    if (t.kind === 'op' && t.value === '(') {
      i++;
      const v = nested(additive);
      expect(')');
      return v;
    }
    if (t.kind === 'id') {
      i++;
      if (isOp('(')) return call(t.value, t.pos);
      if (t.value in CONSTANTS) return CONSTANTS[t.value];
      throw new ToolFailure(`unknown name "${t.value}" at position ${t.pos + 1}`);
    }
    throw new ToolFailure(`unexpected ${where()}`);
  };
  const call = (name: string, pos: number): number => {
    const f = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
    if (!f)
      throw new ToolFailure(
        `unknown function "${name}" at position ${pos + 1}; known: ${Object.keys(FUNCTIONS).join(', ')}`,
      );
    expect('(');
    const args: number[] = [];
    if (!isOp(')')) {
      args.push(nested(additive));
      while (isOp(',')) (i++, args.push(nested(additive)));
    }
    expect(')');
    const [lo, hi] = f.arity;
    if (args.length < lo || args.length > hi)
      throw new ToolFailure(`${name}() takes ${lo === hi ? lo : `${lo} to ${hi}`} argument(s), got ${args.length}`);
    return f.fn(...args);
  };

  if (tokens.length === 0) throw new ToolFailure('empty expression');
  const value = additive();
  if (i < tokens.length) throw new ToolFailure(`unexpected ${where()}`);
  if (!Number.isFinite(value)) throw new ToolFailure('the result is not a finite number');
  return value;
}

/** 12 significant digits hide binary rounding noise (0.1 + 0.2 shows as 0.3). */
export const formatNumber = (v: number): string =>
  Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(12)));

export const calculator: BuiltinTool<z.ZodObject<{ expression: z.ZodString }>> = {
  name: 'calculator',
  description:
    'Evaluates an arithmetic expression: + - * / % ^, parentheses, pi, e, sqrt, abs, ln, log, exp, sin, cos, tan, floor, ceil, round, min, max, pow.',
  args: z.object({ expression: z.string().min(1).max(MAX_LENGTH).describe('The expression, e.g. "(2 + 3) * 4 ^ 2"') }),
  fromText: (content) => ({ expression: content.trim() }),
  run: ({ expression }) => formatNumber(evaluate(expression)),
};
