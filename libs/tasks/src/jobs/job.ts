import { Limits } from '../limits/limits';
import { JobState } from './job-state';
import { StageResult, TaskOutputs, TaskSummary, TestResult } from './stage-result';
import { CheckerPlan, InteractorPlan, TaskKind, TaskPlan, TaskState } from './task';
import { RunOptions, TestCase } from './test-case';
import { Verdict } from './verdict';

export interface SourceFile {
  name: string;
  /** base64: the store and the wire stay binary-safe whatever the request encoding was. */
  contentBase64: string;
}

/** The program and its inputs; stored once per job, read by the workers. */
export interface JobInput {
  files: SourceFile[];
  stdinBase64: string;
  args: string[];
  /** Extra compiler arguments (the compile template's {compilerOptions}); absent: none. */
  compilerOptions?: string[];
  /** Test cases (run tasks execute them by index); absent or empty: one plain run. */
  tests?: TestCase[];
  /** The custom checker's sources (the first file is its main one); its language and limits are in JobMeta.checker. */
  checker?: { files: SourceFile[] };
  /**
   * An interactive job (`interactive: true`): the run reads its stdin live,
   * after `stdinBase64`, from the job's stdin stream (libs/store
   * JobStdinRepository), and the worker logs its stages' starts and exits.
   */
  interactive?: true;
  /**
   * An interactive problem's interactor's sources (its language and limits
   * are in JobMeta.interactor): it runs beside the program, wired to the
   * program's stdout and stdin, with `stdinBase64` (or each test's stdin) as
   * its input, on its stdin first or in a file (InteractorPlan.input); its
   * exit code decides (testlib's convention).
   */
  interactor?: { files: SourceFile[] };
}

/** Immutable facts about a job, fixed when it is planned. */
export interface JobMeta {
  id: string;
  language: string;
  compiled: boolean;
  limits: Limits;
  /** Number of test cases (0: one plain run). */
  testCount?: number;
  /** Comparison, stop-on-failure and answer encoding; absent in older records (the defaults). */
  options?: RunOptions;
  /** The request's custom checker, which judges each test's output in place of the comparison. */
  checker?: CheckerPlan;
  /** The request's interactor, which talks to the program in each run and decides its verdict. */
  interactor?: InteractorPlan;
  plan: TaskPlan[];
  createdAt: string;
  /** Named queue the job's tasks go to, and their priority (1–10). */
  queue: string;
  priority: number;
  webhook?: string;
  /** Id of the API key that created the job; only that key may read or cancel it. */
  owner?: string;
  /** W3C trace context of the request that created the job; every task continues that trace. */
  trace?: Record<string, string>;
  traceId?: string;
}

export interface TaskRecord extends TaskSummary {
  id: string;
  kind: TaskKind;
  state: TaskState;
  workerId?: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
}

/** A job as the store holds it: meta plus the mutable parts. */
export interface JobRecord {
  meta: JobMeta;
  state: JobState;
  verdict: Verdict | null;
  tasks: Record<string, TaskRecord>;
  error?: string;
  finishedAt?: string;
  /** Whether the end was announced (SSE, waiters, webhook): the coordinator's bookkeeping. */
  announced?: boolean;
  /** The finished tasks' output, by task id: loaded only to answer the job (JobRepository.getWithOutputs in libs/store). */
  outputs?: Record<string, TaskOutputs>;
}

/** How a job ends: its terminal state, verdict and why (FAILED: what Kiln could not do; CHECKER_ERROR: what the checker did). */
export interface JobFinish {
  state: JobState.COMPLETED | JobState.FAILED | JobState.CANCELLED;
  verdict: Verdict | null;
  error?: string;
}

/** A test that did not run (stopOnFirstFailure, or the job ended first). */
export interface SkippedTest {
  index: number;
  verdict: null;
}

/** The public answer of /execute and GET /jobs/:id (README, "API"): the same for every way of asking. */
export interface JobView {
  id: string;
  state: JobState;
  verdict: Verdict | null;
  language: string;
  compile: StageResult | null;
  /** Only for a job with a checker: the checker's compile (null for an interpreted checker). */
  checkerCompile?: StageResult | null;
  /** Only for a job with an interactor: the interactor's compile (null for an interpreted interactor). */
  interactorCompile?: StageResult | null;
  run: StageResult | null;
  /** One entry per test case, in request order; a test that never ran has `verdict: null`. */
  tests: (TestResult | SkippedTest)[];
  tasks: { id: string; kind: TaskKind; state: TaskState; workerId: string | null }[];
  error?: string;
  /** The OpenTelemetry trace of the job, when tracing is on. */
  traceId?: string;
  createdAt: string;
  finishedAt: string | null;
}
