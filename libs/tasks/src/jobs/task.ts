import { Limits } from '../limits/limits';
import { RunOptions } from './test-case';

export type TaskKind = 'compile' | 'run' | 'cleanup';

/** Lifecycle of one task inside a job; only moves forward (see taskStateRank). */
export enum TaskState {
  PENDING = 'PENDING',
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
  /** Ended while it ran because its job was stopped (a cancel, or the job's deadline): neither Kiln's failure nor the program's. */
  CANCELLED = 'CANCELLED',
}

const RANK: Record<TaskState, number> = {
  [TaskState.PENDING]: 0,
  [TaskState.QUEUED]: 1,
  [TaskState.RUNNING]: 2,
  [TaskState.COMPLETED]: 3,
  [TaskState.FAILED]: 3,
  [TaskState.SKIPPED]: 3,
  [TaskState.CANCELLED]: 3,
};

/** Events may arrive twice or out of order; a task never moves back to a lower rank. */
export function taskStateRank(state: TaskState): number {
  return RANK[state];
}

export function isFinishedTaskState(state: TaskState): boolean {
  return RANK[state] === 3;
}

/** Which program of a job a compile task compiles: the submission (absent), the request's custom checker or its interactor. */
export type CompiledProgram = 'checker' | 'interactor';

/** The id of the task that compiles a job's checker (its submission's compile is `compile`). */
export const CHECKER_COMPILE_TASK = 'checker-compile';

/** The id of the task that compiles a job's interactor. */
export const INTERACTOR_COMPILE_TASK = 'interactor-compile';

/** The compile task of each judging program a job may bring. */
export const JUDGE_COMPILE_TASKS: Record<CompiledProgram, string> = { checker: CHECKER_COMPILE_TASK, interactor: INTERACTOR_COMPILE_TASK };

/** A task as planned: what to run, nothing about how it went. */
export interface TaskPlan {
  id: string;
  kind: TaskKind;
  /** Indices into the job's test list that this run task executes (empty: one plain run). */
  tests?: number[];
  /** A compile task of the checker (CHECKER_COMPILE_TASK) or of the interactor (INTERACTOR_COMPILE_TASK). */
  program?: CompiledProgram;
}

/**
 * A job's custom checker or interactor as planned (README, "Custom checkers",
 * "Interactors"): its language, whether it is compiled (once, by its own
 * compile task), and the limits it runs under, each within the configured maxima.
 */
export interface CheckerPlan {
  language: string;
  compiled: boolean;
  limits: Limits;
}

/**
 * How an interactor gets the run's or each test's input (README,
 * "Interactors"): on its stdin, before the program's output (`stdin`, the
 * default), or as testlib's `registerInteraction` takes it (`file`): the
 * input in INTERACTOR_FILES.input, the interactor run as
 * `<interactor> input.txt output.txt`, its stdin the program's output alone.
 */
export const INTERACTOR_INPUTS = ['stdin', 'file'] as const;
export type InteractorInput = (typeof INTERACTOR_INPUTS)[number];

/** testlib's interaction files in `file` mode, in the interactor's workspace: the input Kiln writes, the log it writes (never returned). */
export const INTERACTOR_FILES = { input: 'input.txt', output: 'output.txt' } as const;

/** A job's interactor as planned: a judging program (CheckerPlan) and how it takes its input (absent: `stdin`). */
export interface InteractorPlan extends CheckerPlan {
  input?: InteractorInput;
}

/**
 * Where a checker's sandbox gets each test's files: `<dir>/<index>/input`,
 * `output` and `answer` (a checker's own files may not be in it).
 */
export const CHECKER_FILES_DIR = 'kiln-check';

/** The tasks a job starts with: its compiles (the submission's, the checker's), or its run tasks when nothing compiles. */
export function firstTasksOf(plan: readonly TaskPlan[]): TaskPlan[] {
  const compiles = plan.filter((task) => task.kind === 'compile');
  return compiles.length ? compiles : plan.filter((task) => task.kind === 'run');
}

/** Everything a worker needs to run a task; it is the BullMQ job's data. */
export interface TaskPayload {
  jobId: string;
  taskId: string;
  kind: TaskKind;
  /** The named queue it was taken from (its job's queue). */
  queue: string;
  language: string;
  limits: Limits;
  /** For run tasks of compiled languages: read files from the compile artifact. */
  useArtifact: boolean;
  /** Indices of the test cases this run task executes (absent: one plain run). */
  tests?: number[];
  /** The job's run options (absent in tasks enqueued by an older coordinator: the defaults). */
  options?: RunOptions;
  /** A compile task of the checker or the interactor: what it compiles (absent: the submission). */
  program?: CompiledProgram;
  /** Compile tasks of the checker and run tasks of a job that has one: the checker. */
  checker?: CheckerPlan;
  /** Compile tasks of the interactor and run tasks of a job that has one: the interactor. */
  interactor?: InteractorPlan;
  /** Id of the API key that made the job (absent without keys): its running share is counted (worker.perKey). */
  owner?: string;
  /**
   * Each execution's share of the job's output budget, bytes (output-budget.ts):
   * the compile's, or each run's. Absent in tasks of an older coordinator.
   */
  outputBudget?: number;
  /** Epoch ms when the coordinator enqueued the task (queue-wait measurement). */
  enqueuedAt: number;
  /** W3C trace context of the job (see JobMeta.trace). */
  trace?: Record<string, string>;
}
