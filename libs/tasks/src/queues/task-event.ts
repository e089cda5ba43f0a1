import { TaskResult } from '../jobs/stage-result';
import { TaskKind } from '../jobs/task';

/** `started` comes only from older workers: a worker now writes its task's start itself (JobRepository.startTask). */
export type TaskEventType = 'started' | 'completed' | 'failed';

/** What a worker reports about a task, through the durable event queue. */
export interface TaskEvent {
  type: TaskEventType;
  jobId: string;
  taskId: string;
  /** The task's kind; with `startedAt`, the report is the whole task (absent from an older worker's report: merged over the stored task). */
  kind?: TaskKind;
  workerId: string;
  /** BullMQ attempt number (1-based): a retried task reports again. */
  attempt: number;
  at: string;
  /** When this attempt began (a `completed` or `failed` report of a task that ran). */
  startedAt?: string;
  result?: TaskResult;
  /** For `failed`: why Kiln could not run the task (never the program's own failure), or why it was stopped (`stopped`). */
  error?: string;
  /**
   * For `failed`: the task was killed because its job was stopped (a cancel,
   * its deadline), not because Kiln failed; recorded CANCELLED. A coordinator
   * that does not know the field records FAILED, as before it existed.
   */
  stopped?: boolean;
  /** W3C trace context of the worker's task span, so the coordinator's handling joins the trace. */
  trace?: Record<string, string>;
}
