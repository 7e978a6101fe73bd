import { describe, expect, it } from 'vitest';
import { evaluate, formatNumber } from './calculator.ts';

describe('calculator', () => {
  it.each([
    ['2 + 3 * 4', 14],
    ['(2 + 3) * 4', 20],
    ['10 - 4 - 3', 3],
    ['100 / 10 / 5', 2],
    ['2 ^ 3 ^ 2', 512],
    ['2 ** 10', 1024],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5],
    ['7 % 3 + 1', 2],
    ['--3', 3],
    ['1.5e3 + .5', 1500.5],
    ['sqrt(16) + abs(-2) * max(1, 5, 3)', 14],
    ['round(pi * 100) / 100', 3.14],
    ['ln(e)', 1],
    ['log(1000)', 3],
    ['  2*(3+(4*(5+6)))  ', 94],
  ])('%s = %d', (expr, want) => {
    expect(evaluate(expr)).toBeCloseTo(want, 10);
  });

  it('formats away binary noise', () => {
    expect(formatNumber(evaluate('0.1 + 0.2'))).toBe('0.3');
    expect(formatNumber(evaluate('10 / 4'))).toBe('2.5');
    expect(formatNumber(evaluate('2 ^ 40'))).toBe('1099511627776');
  });

  it.each([
    ['1 / 0', 'division by zero'],
    ['5 % 0', 'division by zero'],
    ['2 +', 'unexpected end of expression'],
    ['(1 + 2', 'expected ")" but found end of expression'],
    ['1 + 2)', 'unexpected ")" at position 6'],
    ['2 $ 3', 'unexpected "$" at position 3'],
    ['foo(1)', 'unknown function "foo" at position 1'],
    ['x + 1', 'unknown name "x" at position 1'],
    ['sqrt(1, 2)', 'sqrt() takes 1 argument(s), got 2'],
    ['', 'empty expression'],
    ['sqrt(-1)', 'not a finite number'],
    ['constructor(1)', 'unknown function "constructor"'],
    ['process.exit(1)', 'unexpected "." at position 8'],
  ])('%s fails with "%s"', (expr, message) => {
    expect(() => evaluate(expr)).toThrow(message);
  });

  it('refuses absurd nesting and length instead of overflowing the stack', () => {
    expect(() => evaluate('('.repeat(300) + '1' + ')'.repeat(300))).toThrow(/nested deeper/);
    expect(() => evaluate('-'.repeat(500) + '1')).toThrow(/nested deeper/);
    expect(() => evaluate('1+'.repeat(600) + '1')).toThrow(/longer than 1000/);
  });
});
