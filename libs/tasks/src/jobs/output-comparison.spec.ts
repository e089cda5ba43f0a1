import { numberOf, numbersWithin, outputMatches, verdictOfTest } from './output-comparison';
import { Comparison, judgingOf, Tolerance } from './test-case';
import { Verdict } from './verdict';

const b = (text: string) => Buffer.from(text, 'latin1');
const matches = (actual: string, expected: string, comparison: Comparison, tolerance?: Tolerance) =>
  outputMatches(b(actual), b(expected), { comparison, tolerance });
const within = (absoluteError: number, relativeError = 0): Tolerance => ({ absoluteError, relativeError });

describe('outputMatches', () => {
  it.each([
    ['3\n', '3'],
    ['3', '3\n\n'],
    ['1 2  \n3\t\r\n', '1 2\n3'],
    ['a\r\nb\r\n', 'a\nb'],
    ['', '\n'],
  ])('trimmed: %j matches %j', (actual, expected) => {
    expect(matches(actual, expected, 'trimmed')).toBe(true);
  });

  it.each([
    ['3\n', '4'],
    ['1 2\n', '1  2'],
    ['a\n\nb', 'a\nb'],
    [' 3', '3'],
    ['3\n', '3\nx'],
  ])('trimmed: %j does not match %j (inner whitespace and blank lines count)', (actual, expected) => {
    expect(matches(actual, expected, 'trimmed')).toBe(false);
  });

  it('exact compares every byte', () => {
    expect(matches('3\n', '3\n', 'exact')).toBe(true);
    expect(matches('3\n', '3', 'exact')).toBe(false);
    expect(matches('3 \n', '3\n', 'exact')).toBe(false);
  });

  it('compares bytes that are not UTF-8 without losing any', () => {
    const bytes = Buffer.from([0x00, 0xff, 0x0a]);
    expect(outputMatches(bytes, Buffer.from([0x00, 0xff]), { comparison: 'trimmed' })).toBe(true);
    expect(outputMatches(bytes, Buffer.from([0x00, 0xfe]), { comparison: 'trimmed' })).toBe(false);
    expect(outputMatches(Buffer.from([0xff, 0x20, 0x01]), Buffer.from([0xff, 0x0a, 0x01]), { comparison: 'tokens' })).toBe(true);
  });

  describe('tokens', () => {
    it.each([
      ['1 2 3', '1 2 3'],
      ['  1   2\t3  ', '1 2 3'],
      ['1\n2\n3\n', '1 2 3'],
      ['1\r\n\r\n2 \v 3\f', '1\n2\n3'],
      ['\n\n1 2 3\n\n\n', '1 2 3'],
      ['', ''],
      ['   \n\t', ''],
    ])('%j matches %j: spaces, tabs, newlines and blank lines only separate', (actual, expected) => {
      expect(matches(actual, expected, 'tokens')).toBe(true);
    });

    it.each([
      ['1 2', '1 2 3', 'a missing token'],
      ['1 2 3 4', '1 2 3', 'an extra token'],
      ['1 3 2', '1 2 3', 'the order'],
      ['12 3', '1 2 3', 'tokens joined'],
      ['1.0', '1', 'a number written differently'],
      ['1e-7', '0.0000001', 'a number written differently'],
      ['Yes', 'yes', 'case'],
      ['1\u00a02', '1 2', 'a no-break space (byte 0xA0) is not whitespace'],
      ['x', '', 'anything against nothing'],
    ])('%j does not match %j (%s)', (actual, expected) => {
      expect(matches(actual, expected, 'tokens')).toBe(false);
    });

    it('reads a flood of tokens one by one', () => {
      const many = '1 '.repeat(200_000);
      expect(matches(many, many.trim(), 'tokens')).toBe(true);
      expect(matches(`${many}2`, `${many}3`, 'tokens')).toBe(false);
    });
  });

  describe('float', () => {
    it('compares numbers by value: 1e-7 is 0.0000001, even with no tolerance at all', () => {
      expect(matches('1e-7', '0.0000001', 'float', within(0))).toBe(true);
      expect(matches('0.0000001', '1E-7', 'float', within(0))).toBe(true);
      expect(matches('+2.50', '2.5', 'float', within(0))).toBe(true);
      expect(matches('.5 5.', '0.5 5', 'float', within(0))).toBe(true);
      expect(matches('-0', '0', 'float', within(0))).toBe(true);
    });

    it('ignores whitespace as tokens does', () => {
      expect(matches('  1.0\n\n2.0  \n', '1 2', 'float')).toBe(true);
      expect(matches('1.0 2.0 3.0', '1 2', 'float')).toBe(false);
    });

    it.each([
      ['1.1', '1.0', 0.1],
      ['0.9', '1.0', 0.1],
      ['1000000.5', '1000000', 0.5],
      ['0.000003', '0.000001', 0.000002],
      ['-2.25', '-2', 0.25],
    ])('passes %s against %s with absoluteError %s: exactly at the bound', (actual, expected, bound) => {
      expect(matches(actual, expected, 'float', within(bound))).toBe(true);
    });

    it.each([
      ['1.1000000001', '1.0', 0.1],
      ['0.8999999999', '1.0', 0.1],
      ['1000000.5000001', '1000000', 0.5],
      ['0.0000030001', '0.000001', 0.000002],
    ])('fails %s against %s with absoluteError %s: just over the bound', (actual, expected, bound) => {
      expect(matches(actual, expected, 'float', within(bound))).toBe(false);
    });

    it('relativeError scales with the expected number; either bound is enough', () => {
      expect(matches('1010', '1000', 'float', within(0, 0.01))).toBe(true);
      expect(matches('1010.001', '1000', 'float', within(0, 0.01))).toBe(false);
      expect(matches('990', '1000', 'float', within(0, 0.01))).toBe(true);
      expect(matches('1e20', '1.0000001e20', 'float', within(0, 1e-6))).toBe(true);
      expect(matches('1e20', '1.000002e20', 'float', within(0, 1e-6))).toBe(false);
      // Near zero the relative bound is no help, the absolute one is.
      expect(matches('0.0000005', '0', 'float', within(0, 0.5))).toBe(false);
      expect(matches('0.0000005', '0', 'float', within(1e-6, 0.5))).toBe(true);
    });

    it('without bounds of its own uses 1e-6 both ways', () => {
      expect(matches('3.1415926', '3.1415930', 'float')).toBe(true);
      expect(matches('3.14159', '3.14160', 'float')).toBe(false);
      expect(matches('1000000.9', '1000000', 'float')).toBe(true);
      expect(matches('1000001.1', '1000000', 'float')).toBe(false);
    });

    it('NaN matches only NaN, an infinity only the same infinity', () => {
      expect(matches('nan', 'NaN', 'float')).toBe(true);
      expect(matches('-nan', 'nan', 'float')).toBe(true);
      expect(matches('0', 'nan', 'float', within(1e9))).toBe(false);
      expect(matches('nan', '0', 'float', within(1e9))).toBe(false);
      expect(matches('inf', 'Infinity', 'float')).toBe(true);
      expect(matches('-INF', '-inf', 'float')).toBe(true);
      expect(matches('inf', '-inf', 'float')).toBe(false);
      expect(matches('1e308', 'inf', 'float', within(1e300))).toBe(false);
      expect(matches('inf', '1e308', 'float', within(1e300))).toBe(false);
    });

    it('compares non-numeric tokens exactly, and wants a number where a number is expected', () => {
      expect(matches('YES 1.0000001', 'YES 1', 'float')).toBe(true);
      expect(matches('yes 1', 'YES 1', 'float')).toBe(false);
      expect(matches('abc', '1', 'float', within(1e9))).toBe(false);
      expect(matches('1', 'abc', 'float', within(1e9))).toBe(false);
      expect(matches('0x10', '16', 'float', within(0))).toBe(false);
      expect(matches('1,5', '1.5', 'float', within(1))).toBe(false);
      expect(matches('1e', '1', 'float', within(1))).toBe(false);
      expect(matches('--1', '-1', 'float', within(1))).toBe(false);
    });

    it('compares decimals beyond a double’s range as text', () => {
      expect(matches('1e400', '1e400', 'float')).toBe(true);
      expect(matches('1e401', '1e400', 'float', within(1e300, 1))).toBe(false);
    });
  });
});

describe('numberOf and numbersWithin', () => {
  it('reads what programs print as numbers, nothing else', () => {
    expect(['42', '-3.5', '.5', '5.', '1e-7', '+2.5E+10'].map(numberOf)).toEqual([42, -3.5, 0.5, 5, 1e-7, 2.5e10]);
    expect(['', '.', 'e5', '1e', '0x1F', '1_000', 'Infinityx', ' 1'].map(numberOf)).toEqual(Array(8).fill(null));
    expect(numberOf('NAN')).toBeNaN();
    expect(numberOf('-infinity')).toBe(-Infinity);
  });

  it('takes either bound', () => {
    expect(numbersWithin(105, 100, within(5, 0))).toBe(true);
    expect(numbersWithin(105, 100, within(0, 0.05))).toBe(true);
    expect(numbersWithin(105.1, 100, within(5, 0.05))).toBe(false);
  });
});

describe('verdictOfTest', () => {
  it('keeps the run’s own failure, then judges the output', () => {
    const trimmed = { comparison: 'trimmed' as const };
    expect(verdictOfTest(Verdict.TIMEOUT, b('3'), b('3'), trimmed)).toBe(Verdict.TIMEOUT);
    expect(verdictOfTest(Verdict.OK, b('3\n'), b('3'), trimmed)).toBe(Verdict.OK);
    expect(verdictOfTest(Verdict.OK, b('4\n'), b('3'), trimmed)).toBe(Verdict.WRONG_ANSWER);
    expect(verdictOfTest(Verdict.OK, b('anything'), undefined, { comparison: 'exact' })).toBe(Verdict.OK);
  });
});

describe('judgingOf', () => {
  const job = { comparison: 'tokens' as const };

  it('takes the test’s own comparison, else the job’s', () => {
    expect(judgingOf({}, job)).toEqual({ comparison: 'tokens' });
    expect(judgingOf({ comparison: 'exact' }, job)).toEqual({ comparison: 'exact' });
  });

  it('gives float its bounds: the test’s, else the job’s, else 1e-6 both ways', () => {
    expect(judgingOf({ comparison: 'float' }, job)).toEqual({ comparison: 'float', tolerance: { absoluteError: 1e-6, relativeError: 1e-6 } });
    const jobBounds = { comparison: 'float' as const, tolerance: within(0.5) };
    expect(judgingOf({}, jobBounds)).toEqual({ comparison: 'float', tolerance: within(0.5) });
    expect(judgingOf({ tolerance: within(2) }, jobBounds)).toEqual({ comparison: 'float', tolerance: within(2) });
  });
});
