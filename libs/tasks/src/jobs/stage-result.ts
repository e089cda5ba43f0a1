import { SkippedPaths } from './skipped-paths';
import { Verdict } from './verdict';

/** How stdout and stderr travel in answers: text (invalid UTF-8 replaced by U+FFFD) or exact bytes in base64. */
export type OutputEncoding = 'utf8' | 'base64';
export const OUTPUT_ENCODINGS: readonly OutputEncoding[] = ['utf8', 'base64'];

/** The outcome of one execution of a program (or of its compiler) in a sandbox. */
export interface StageResult {
  stdout: string;
  stderr: string;
  /**
   * Only when the request asked for combinedOutput: stdout and stderr
   * interleaved in the order the sandbox received them (chunk by chunk),
   * in the same encoding as stdout and stderr.
   */
  output?: string;
  /** Present (and "base64") only when the request asked for base64 output. */
  encoding?: 'base64';
  exitCode: number | null;
  signal: string | null;
  verdict: Verdict;
  wallTimeMs: number;
  cpuTimeMs: number;
  memoryBytes: number;
  truncated: boolean;
  /** Compile stages only: true when the compile cache answered and no compiler ran. */
  cached?: boolean;
  /**
   * Compile stages only, present when something the compile left in its
   * workspace does not travel to the run tasks (see SkipReason).
   */
  skipped?: SkippedPaths;
}

/** One test case's run: a StageResult and the test's index in the request. */
export interface TestResult extends StageResult {
  index: number;
}

/** What a finished task reports back to the coordinator. */
export interface TaskResult {
  compile?: StageResult;
  run?: StageResult;
  /** A run task of test cases: one result per test it ran, in order. */
  tests?: TestResult[];
}
