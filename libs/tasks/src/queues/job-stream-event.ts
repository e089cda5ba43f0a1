import { JobState } from '../jobs/job-state';
import { Verdict } from '../jobs/verdict';

/**
 * What `GET /jobs/:id/events` streams: state changes (from the coordinator) and
 * output chunks (from the worker running the program), in one ordered log per
 * job, so a late client can replay what it missed.
 */
export type JobStreamEvent =
  | { type: 'state'; state: JobState; verdict?: Verdict | null }
  | {
      type: 'output';
      /** The task that printed it: `compile`, `run`, or a run batch's id. */
      task: string;
      stream: 'stdout' | 'stderr';
      /** Raw bytes, base64: a chunk may end inside a UTF-8 sequence. */
      dataBase64: string;
      /** Index of the test case being run, for judged jobs. */
      test?: number;
      /**
       * The task's BullMQ attempt that printed it, from 1: a task whose worker
       * was lost is run again from the start, and its output with it. Entries
       * written before attempts were logged have none: attempt 1.
       */
      attempt?: number;
    }
  /** Interactive jobs only: a stage's program is about to start (from the worker). */
  | { type: 'stage'; task: string; stage: InteractiveStageName }
  /** Interactive jobs only: a stage's program ended (from the worker), before its task's result is applied. */
  | { type: 'exit'; task: string; stage: InteractiveStageName; exitCode: number | null; signal: string | null; verdict: Verdict };

/** The stages an interactive job's client sees. */
export type InteractiveStageName = 'compile' | 'run';
