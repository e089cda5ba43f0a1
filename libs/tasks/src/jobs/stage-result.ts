import { SkippedPaths } from './skipped-paths';
import { Verdict } from './verdict';

/** How stdout and stderr travel in answers: text (invalid UTF-8 replaced by U+FFFD) or exact bytes in base64. */
export type OutputEncoding = 'utf8' | 'base64';
export const OUTPUT_ENCODINGS: readonly OutputEncoding[] = ['utf8', 'base64'];

/** An output file as a run's result carries it (output-files.ts): always base64, so that any bytes travel. */
export interface OutputFile {
  name: string;
  size: number;
  encoding: 'base64';
  content: string;
}

/** The outcome of one execution of a program (or of its compiler) in a sandbox. */
export interface StageResult extends CheckerFindings {
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
  /**
   * Runs and tests of a job that asked for output files (`outputFiles`): the
   * matching files the program left in its workspace, within the run's share
   * of the output budget.
   */
  files?: OutputFile[];
  /** Present (true) when files matched but did not all come back: over the count or the budget, or a workspace too large to collect. */
  filesTruncated?: boolean;
  /**
   * Tests a checker judged, and runs and tests an interactor judged: its
   * message (its stderr, bounded: checker-judgement.ts).
   */
  checkerMessage?: string;
}

/**
 * What a job's custom checker decided of a test, or its interactor of a run
 * or test, beside its verdict (absent without one, or when it did not run).
 */
export interface CheckerFindings {
  /** The points of testlib's quitp (the checker's exit code 7). */
  checkerPoints?: number;
  /** CHECKER_ERROR only: why the checker (or interactor) could not judge. */
  checkerError?: string;
}

/** One test case's run: a StageResult and the test's index in the request. */
export interface TestResult extends StageResult {
  index: number;
}

/**
 * What the job record keeps of a stage: all but its output, which is stored
 * apart (StageOutput) so that the reads that advance a job never load it.
 */
export type StageSummary = Omit<StageResult, 'stdout' | 'stderr' | 'output' | 'files' | 'checkerMessage'> & {
  /** Bytes of the job's output budget the stage used (output-budget.ts). Kiln's bookkeeping, never answered. */
  budgetUsed?: number;
};

/**
 * A stage's output as stored: every byte once. With combinedOutput the
 * answer's `output` is rebuilt from stdout, stderr and `interleaving`
 * (see interleavedOutput), never stored a second time.
 */
export interface StageOutput {
  stdout: string;
  stderr: string;
  /**
   * combinedOutput only: the lengths of the consecutive pieces of `output`,
   * positive when the piece is the next part of stdout, negative for stderr;
   * in UTF-16 code units of the text, or in bytes when the encoding is base64.
   */
  interleaving?: number[];
  /** The output files of a run (StageResult.files): stored with the output, never in the record. */
  files?: OutputFile[];
  /** The checker's or interactor's message: output too, read only to answer. */
  checkerMessage?: string;
}

/** A stage as a worker reports it: its summary and its output. */
export type ReportedStage = StageSummary & StageOutput;
export type ReportedTest = ReportedStage & { index: number };
export type TestSummary = StageSummary & { index: number };
/** A test's output as stored. */
export type TestOutput = StageOutput & { index: number };

/** What a finished task reports back to the coordinator (its output included, within the job's budget). */
export interface TaskResult {
  compile?: ReportedStage;
  run?: ReportedStage;
  /** A run task of test cases: one result per test it ran, in order. */
  tests?: ReportedTest[];
}

/** A finished task as the job record keeps it: the summaries of its stages. */
export interface TaskSummary {
  compile?: StageSummary;
  run?: StageSummary;
  tests?: TestSummary[];
}

/** A finished task's output, stored beside the job record and read only to answer the job. */
export interface TaskOutputs {
  compile?: StageOutput;
  run?: StageOutput;
  tests?: TestOutput[];
}
