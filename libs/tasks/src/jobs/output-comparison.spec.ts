import { outputMatches, verdictOfTest } from './output-comparison';
import { Verdict } from './verdict';

const b = (text: string) => Buffer.from(text, 'latin1');

describe('outputMatches', () => {
  it.each([
    ['3\n', '3'],
    ['3', '3\n\n'],
    ['1 2  \n3\t\r\n', '1 2\n3'],
    ['a\r\nb\r\n', 'a\nb'],
    ['', '\n'],
  ])('trimmed: %j matches %j', (actual, expected) => {
    expect(outputMatches(b(actual), b(expected), 'trimmed')).toBe(true);
  });

  it.each([
    ['3\n', '4'],
    ['1 2\n', '1  2'],
    ['a\n\nb', 'a\nb'],
    [' 3', '3'],
    ['3\n', '3\nx'],
  ])('trimmed: %j does not match %j (inner whitespace and blank lines count)', (actual, expected) => {
    expect(outputMatches(b(actual), b(expected), 'trimmed')).toBe(false);
  });

  it('exact compares every byte', () => {
    expect(outputMatches(b('3\n'), b('3\n'), 'exact')).toBe(true);
    expect(outputMatches(b('3\n'), b('3'), 'exact')).toBe(false);
    expect(outputMatches(b('3 \n'), b('3\n'), 'exact')).toBe(false);
  });

  it('compares bytes that are not UTF-8 without losing any', () => {
    const bytes = Buffer.from([0x00, 0xff, 0x0a]);
    expect(outputMatches(bytes, Buffer.from([0x00, 0xff]), 'trimmed')).toBe(true);
    expect(outputMatches(bytes, Buffer.from([0x00, 0xfe]), 'trimmed')).toBe(false);
  });
});

describe('verdictOfTest', () => {
  it('keeps the run’s own failure, then judges the output', () => {
    expect(verdictOfTest(Verdict.TIMEOUT, b('3'), b('3'), 'trimmed')).toBe(Verdict.TIMEOUT);
    expect(verdictOfTest(Verdict.OK, b('3\n'), b('3'), 'trimmed')).toBe(Verdict.OK);
    expect(verdictOfTest(Verdict.OK, b('4\n'), b('3'), 'trimmed')).toBe(Verdict.WRONG_ANSWER);
    expect(verdictOfTest(Verdict.OK, b('anything'), undefined, 'exact')).toBe(Verdict.OK);
  });
});
