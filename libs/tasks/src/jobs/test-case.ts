import { OutputEncoding } from './stage-result';

/**
 * How a test's stdout is compared with its expected output (README, "Test
 * cases"): `trimmed` ignores whitespace at line ends and trailing newlines;
 * `exact` compares bytes; `tokens` compares the whitespace-separated tokens;
 * `float` compares tokens too, numbers within a tolerance.
 */
export type Comparison = 'trimmed' | 'exact' | 'tokens' | 'float';
export const COMPARISONS: readonly Comparison[] = ['trimmed', 'exact', 'tokens', 'float'];

/**
 * The `float` comparison's bounds: a number passes when it is within
 * `absoluteError` of the expected one, or within `relativeError` × |expected|.
 */
export interface Tolerance {
  absoluteError: number;
  relativeError: number;
}

/** The bounds of `float` when a request gives neither (testlib's usual 1e-6, both ways). */
export const DEFAULT_TOLERANCE: Readonly<Tolerance> = { absoluteError: 1e-6, relativeError: 1e-6 };

/** How one test's output is judged without a checker: the comparison, and the bounds of `float`. */
export interface OutputJudging {
  comparison: Comparison;
  /** `float` only; absent: DEFAULT_TOLERANCE. */
  tolerance?: Tolerance;
}

/** One test case as stored with the job's input (binary-safe). */
export interface TestCase {
  stdinBase64: string;
  /** Absent: the test passes on a clean exit, whatever the output (or, with a checker, the checker's answer file is empty). */
  expectedBase64?: string;
  /** The test's own comparison and bounds, in place of the job's. */
  comparison?: Comparison;
  tolerance?: Tolerance;
}

/** Per-job options of the run tasks, fixed at planning time. */
export interface RunOptions {
  comparison: Comparison;
  /** The bounds of `float` for the tests that use it without their own. */
  tolerance?: Tolerance;
  stopOnFirstFailure: boolean;
  outputEncoding: OutputEncoding;
  /** Each stage result also carries `output`: stdout and stderr interleaved in the order they were written. */
  combinedOutput?: boolean;
  /** Patterns of the files each run returns from its workspace (output-files.ts); absent: none. */
  outputFiles?: string[];
}

export const DEFAULT_RUN_OPTIONS: Readonly<RunOptions> = {
  comparison: 'trimmed',
  stopOnFirstFailure: false,
  outputEncoding: 'utf8',
};

/** How a test is judged: its own comparison and bounds if it has them, else the job's. */
export function judgingOf(test: Pick<TestCase, 'comparison' | 'tolerance'>, options: Pick<RunOptions, 'comparison' | 'tolerance'>): OutputJudging {
  const comparison = test.comparison ?? options.comparison;
  if (comparison !== 'float') return { comparison };
  return { comparison, tolerance: test.tolerance ?? options.tolerance ?? DEFAULT_TOLERANCE };
}
