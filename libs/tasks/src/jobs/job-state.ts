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
