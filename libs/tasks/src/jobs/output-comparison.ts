import { Comparison } from './test-case';
import { Verdict } from './verdict';

// Horizontal whitespace and CR: what editors and `print` variants leave at line ends.
const TRAILING_SPACE = /[ \t\r\v\f]+$/gm;
const TRAILING_NEWLINES = /\n+$/;

/**
 * Whether a program's stdout matches a test's expected output. Bytes are read
 * as latin1 (one char per byte), so any output, valid UTF-8 or not, compares
 * exactly and nothing is ever decoded lossily.
 */
export function outputMatches(actual: Buffer, expected: Buffer, comparison: Comparison): boolean {
  if (comparison === 'exact') return actual.equals(expected);
  return normalize(actual) === normalize(expected);
}

function normalize(output: Buffer): string {
  return output.toString('latin1').replace(TRAILING_SPACE, '').replace(TRAILING_NEWLINES, '');
}

/** A test's verdict: the run's own verdict first (limits, crashes), then the comparison. */
export function verdictOfTest(runVerdict: Verdict, stdout: Buffer, expected: Buffer | undefined, comparison: Comparison): Verdict {
  if (runVerdict !== Verdict.OK || expected === undefined) return runVerdict;
  return outputMatches(stdout, expected, comparison) ? Verdict.OK : Verdict.WRONG_ANSWER;
}
