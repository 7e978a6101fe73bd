import type { PathSegment } from './problem.ts';

/**
 * Checks JSON syntax and nesting depth in one pass, without recursion and without building
 * values, so a 10,000-deep or malformed document is refused before JSON.parse ever sees it and
 * the refusal can say where (character position and the path of the enclosing value).
 */
export type ScanFailure = { kind: 'syntax' | 'depth'; position: number; path: PathSegment[]; message: string };

/** `key` is the member being read; undefined in an object before its first key. */
type Frame = { container: 'object' | 'array'; key: PathSegment | undefined };
type Expect = 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'commaOrClose';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;
/** A run of string characters that need no attention: skipped in one regex step. */
const PLAIN_CHARS = /[^"\\\u0000-\u001f]*/y;
const LITERALS = ['true', 'false', 'null'];
const ESCAPABLE = '"\\/bfnrt';
const HEX = /^[0-9a-fA-F]{4}$/;

export function scanJson(text: string, maxDepth: number): ScanFailure | undefined {
  const stack: Frame[] = [];
  let expect: Expect = 'value';
  let i = 0;
  const path = () => stack.flatMap((f) => (f.key === undefined ? [] : [f.key]));
  const fail = (message: string, at = i): ScanFailure => ({ kind: 'syntax', position: at, path: path(), message });

  /** Reads a string starting at the opening quote; returns its end index (after the closing quote) or a failure. */
  const readString = (): number | ScanFailure => {
    let j = i + 1;
    for (;;) {
      PLAIN_CHARS.lastIndex = j;
      PLAIN_CHARS.test(text);
      j = PLAIN_CHARS.lastIndex;
      if (j >= text.length) return fail('unterminated string', j);
      const c = text.charCodeAt(j);
      if (c === 0x22) return j + 1;
      if (c < 0x20) return fail('control character inside a string (escape it)', j);
      if (c === 0x5c) {
        const e = text[j + 1];
        if (e === 'u') {
          if (!HEX.test(text.slice(j + 2, j + 6))) return fail('invalid \\u escape in string', j);
          j += 6;
        } else if (e !== undefined && ESCAPABLE.includes(e)) j += 2;
        else return fail('invalid escape in string', j);
      } else j++;
    }
  };

  const skipWhitespace = () => {
    WHITESPACE.lastIndex = i;
    WHITESPACE.test(text);
    i = WHITESPACE.lastIndex;
  };

  for (;;) {
    skipWhitespace();
    if (i >= text.length) {
      if (stack.length === 0 && expect === 'commaOrClose') return undefined;
      return fail('unexpected end of input');
    }
    const ch = text[i]!;

    if (expect === 'commaOrClose') {
      if (stack.length === 0) return fail(`unexpected ${JSON.stringify(ch)} after the end of the document`);
      const top = stack[stack.length - 1]!;
      const close = top.container === 'object' ? '}' : ']';
      if (ch === ',') {
        i++;
        if (top.container === 'array') {
          top.key = (top.key as number) + 1;
          expect = 'value';
        } else expect = 'key';
      } else if (ch === close) {
        i++;
        stack.pop();
      } else return fail(`expected "," or "${close}"`);
      continue;
    }

    if (expect === 'key' || expect === 'keyOrClose') {
      if (ch === '}' && expect === 'keyOrClose') {
        i++;
        stack.pop();
        expect = 'commaOrClose';
        continue;
      }
      if (ch !== '"') return fail('expected a property name in double quotes');
      const end = readString();
      if (typeof end !== 'number') return end;
      const raw = text.slice(i, end);
      stack[stack.length - 1]!.key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      i = end;
      skipWhitespace();
      if (text[i] !== ':') return fail('expected ":" after a property name');
      i++;
      expect = 'value';
      continue;
    }

    // expect is 'value' or 'valueOrClose'
    if (ch === ']' && expect === 'valueOrClose') {
      i++;
      stack.pop();
      expect = 'commaOrClose';
    } else if (ch === '{' || ch === '[') {
      if (stack.length >= maxDepth) {
        return { kind: 'depth', position: i, path: path(), message: `nesting is deeper than ${maxDepth} levels` };
      }
      const container = ch === '{' ? 'object' : 'array';
      stack.push({ container, key: container === 'array' ? 0 : undefined });
      i++;
      expect = container === 'object' ? 'keyOrClose' : 'valueOrClose';
    } else if (ch === '"') {
      const end = readString();
      if (typeof end !== 'number') return end;
      i = end;
      expect = 'commaOrClose';
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) return fail('invalid number');
      i = NUMBER.lastIndex;
      expect = 'commaOrClose';
    } else {
      const literal = LITERALS.find((l) => text.startsWith(l, i));
      if (!literal) return fail(`unexpected ${JSON.stringify(ch)} where a value was expected`);
      i += literal.length;
      expect = 'commaOrClose';
    }
  }
}
