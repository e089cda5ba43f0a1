import { DEFAULT_TOLERANCE, OutputJudging, Tolerance } from './test-case';
import { Verdict } from './verdict';

// Horizontal whitespace and CR: what editors and `print` variants leave at line ends.
const TRAILING_SPACE = /[ \t\r\v\f]+$/gm;
const TRAILING_NEWLINES = /\n+$/;
// A decimal number as programs print it: 42, -3.5, .5, 5., 1e-7, +2.5E+10 (no hex, no digit separators).
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NOT_A_NUMBER = /^[+-]?nan$/i;
const INFINITE = /^([+-]?)inf(?:inity)?$/i;
/**
 * What two doubles may differ by beyond the bound, relative to their size:
 * a few units in the last place, the rounding of the tokens, the bound and
 * the subtraction. So a difference exactly at the bound as written in
 * decimal (1.1 against 1.0 with 0.1) passes, and anything measurably over it fails.
 */
const DOUBLE_SLACK = 2 ** -50;

/**
 * Whether a program's stdout matches a test's expected output. Bytes are read
 * as latin1 (one char per byte), so any output, valid UTF-8 or not, compares
 * exactly and nothing is ever decoded lossily.
 */
export function outputMatches(actual: Buffer, expected: Buffer, judging: OutputJudging): boolean {
  switch (judging.comparison) {
    case 'exact':
      return actual.equals(expected);
    case 'trimmed':
      return trimmed(actual) === trimmed(expected);
    case 'tokens':
      return tokensMatch(actual, expected, (a, e) => a === e);
    case 'float': {
      const tolerance = judging.tolerance ?? DEFAULT_TOLERANCE;
      return tokensMatch(actual, expected, (a, e) => tokenWithin(a, e, tolerance));
    }
  }
}

function trimmed(output: Buffer): string {
  return output.toString('latin1').replace(TRAILING_SPACE, '').replace(TRAILING_NEWLINES, '');
}

/** The tokens of both outputs pair by pair, read in place: a flood of tokens is never held as an array. */
function tokensMatch(actual: Buffer, expected: Buffer, same: (actual: string, expected: string) => boolean): boolean {
  const ours = new TokenReader(actual.toString('latin1'));
  const theirs = new TokenReader(expected.toString('latin1'));
  for (;;) {
    const a = ours.next();
    const e = theirs.next();
    if (a === null || e === null) return a === e;
    if (!same(a, e)) return false;
  }
}

/** ASCII whitespace: space, \t, \n, \v, \f, \r (not U+00A0, byte 0xA0, which JavaScript's \s would take). */
const isSpace = (code: number) => code === 0x20 || (code >= 0x09 && code <= 0x0d);

/** The whitespace-separated tokens of an output (one char per byte), one after another. */
class TokenReader {
  private at = 0;

  constructor(private readonly text: string) {}

  next(): string | null {
    const { text } = this;
    while (this.at < text.length && isSpace(text.charCodeAt(this.at))) this.at++;
    if (this.at === text.length) return null;
    const start = this.at;
    while (this.at < text.length && !isSpace(text.charCodeAt(this.at))) this.at++;
    return text.slice(start, this.at);
  }
}

/**
 * A token of `float`: where the expected token is a number, the actual one
 * must be a number within the tolerance; any other token must be equal.
 */
function tokenWithin(actual: string, expected: string, tolerance: Tolerance): boolean {
  const e = numberOf(expected);
  if (e === null) return actual === expected;
  const a = numberOf(actual);
  return a !== null && numbersWithin(a, e, tolerance);
}

/**
 * The number a token writes, or null. A decimal beyond a double's range
 * (1e400) is no number here, so it is compared as text rather than as an
 * infinity equal to every other overflow.
 */
export function numberOf(token: string): number | null {
  if (DECIMAL.test(token)) {
    const value = Number(token);
    return Number.isFinite(value) ? value : null;
  }
  if (NOT_A_NUMBER.test(token)) return NaN;
  const infinite = INFINITE.exec(token);
  if (infinite) return infinite[1] === '-' ? -Infinity : Infinity;
  return null;
}

/** NaN matches only NaN and an infinity only the same infinity (as testlib's doubleCompare); finite numbers by the bounds. */
export function numbersWithin(actual: number, expected: number, tolerance: Tolerance): boolean {
  if (Number.isNaN(expected) || Number.isNaN(actual)) return Number.isNaN(expected) && Number.isNaN(actual);
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return actual === expected;
  const difference = Math.abs(actual - expected);
  const slack = DOUBLE_SLACK * Math.max(Math.abs(actual), Math.abs(expected));
  return difference <= tolerance.absoluteError + slack || difference <= tolerance.relativeError * Math.abs(expected) + slack;
}

/** A test's verdict: the run's own verdict first (limits, crashes), then the comparison. */
export function verdictOfTest(runVerdict: Verdict, stdout: Buffer, expected: Buffer | undefined, judging: OutputJudging): Verdict {
  if (runVerdict !== Verdict.OK || expected === undefined) return runVerdict;
  return outputMatches(stdout, expected, judging) ? Verdict.OK : Verdict.WRONG_ANSWER;
}
