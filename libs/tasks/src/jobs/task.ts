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
}

const RANK: Record<TaskState, number> = {
  [TaskState.PENDING]: 0,
  [TaskState.QUEUED]: 1,
  [TaskState.RUNNING]: 2,
  [TaskState.COMPLETED]: 3,
  [TaskState.FAILED]: 3,
  [TaskState.SKIPPED]: 3,
};

/** Events may arrive twice or out of order; a task never moves back to a lower rank. */
export function taskStateRank(state: TaskState): number {
  return RANK[state];
}

export function isFinishedTaskState(state: TaskState): boolean {
  return RANK[state] === 3;
}

/** A task as planned: what to run, nothing about how it went. */
export interface TaskPlan {
  id: string;
  kind: TaskKind;
  /** Indices into the job's test list that this run task executes (empty: one plain run). */
  tests?: number[];
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
