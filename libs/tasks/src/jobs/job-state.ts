/** Lifecycle of a job. A job is FAILED only when Kiln itself failed. */
export enum JobState {
  PENDING = 'PENDING',
  SCHEDULED = 'SCHEDULED',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

const TERMINAL = new Set<JobState>([JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED]);

export function isTerminalJobState(state: JobState): boolean {
  return TERMINAL.has(state);
}

/** Where a state sits in a job's life: a job only ever moves to a later one (every end state is last). */
export function jobStateRank(state: JobState): number {
  if (TERMINAL.has(state)) return 3;
  return state === JobState.RUNNING ? 2 : state === JobState.SCHEDULED ? 1 : 0;
}
