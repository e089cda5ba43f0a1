import { OutputEncoding } from './stage-result';

/** One test case as stored with the job's input (binary-safe). */
export interface TestCase {
  stdinBase64: string;
  /** Absent: the test passes on a clean exit, whatever the output. */
  expectedBase64?: string;
}

/**
 * How a test's stdout is compared with its expected output:
 * `trimmed` ignores whitespace at line ends and trailing newlines; `exact` compares bytes.
 */
export type Comparison = 'trimmed' | 'exact';
export const COMPARISONS: readonly Comparison[] = ['trimmed', 'exact'];

/** Per-job options of the run tasks, fixed at planning time. */
export interface RunOptions {
  comparison: Comparison;
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
