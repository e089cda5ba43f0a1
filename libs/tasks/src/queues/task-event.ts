import { TaskResult } from '../jobs/stage-result';

export type TaskEventType = 'started' | 'completed' | 'failed';

/** What a worker reports about a task, through the durable event queue. */
export interface TaskEvent {
  type: TaskEventType;
  jobId: string;
  taskId: string;
  workerId: string;
  /** BullMQ attempt number (1-based): a retried task reports again. */
  attempt: number;
  at: string;
  result?: TaskResult;
  /** For `failed`: why Kiln could not run the task (never the program's own failure). */
  error?: string;
  /** W3C trace context of the worker's task span, so the coordinator's handling joins the trace. */
  trace?: Record<string, string>;
}
