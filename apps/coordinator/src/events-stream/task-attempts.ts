import { JobStreamEvent } from '@kiln/tasks';

type OutputEvent = Extract<JobStreamEvent, { type: 'output' }>;

/**
 * What an output entry is to a client that has read the ones before it:
 * `first` of a newer attempt of its task (a lost worker's task run again by
 * BullMQ, from the start: the client must hear so before it, or it reads the
 * program's output twice as one), `current`, or `stale`: from an attempt
 * older than one already heard (a stalled worker still writing after its
 * task was taken from it), whose result will not be the job's.
 */
export type OutputAttempt = 'current' | 'first' | 'stale';

/** The latest attempt heard of each task of one job's log, as a stream delivers it in order. */
export class TaskAttempts {
  private readonly latest = new Map<string, number>();

  of(event: OutputEvent): OutputAttempt {
    const attempt = attemptOf(event);
    const latest = this.latest.get(event.task) ?? 1;
    if (attempt < latest) return 'stale';
    this.latest.set(event.task, attempt);
    return attempt > latest ? 'first' : 'current';
  }
}

/** Entries logged before attempts were (job-stream-event.ts) are the first attempt's. */
export function attemptOf(event: OutputEvent): number {
  return event.attempt ?? 1;
}
