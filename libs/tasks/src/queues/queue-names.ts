/** BullMQ queue that carries tasks from the coordinator to the workers. */
export const TASK_QUEUE = 'kiln-tasks';
/** BullMQ queue that carries task events from the workers back to the coordinator. */
export const EVENT_QUEUE = 'kiln-events';

/** BullMQ job id of a task: deterministic, so enqueuing the same task twice is a no-op. */
export function taskQueueJobId(jobId: string, taskId: string): string {
  return `${jobId}.${taskId}`;
}

/** BullMQ job id of a task event: the same event reported twice collapses into one. */
export function eventQueueJobId(event: { jobId: string; taskId: string; type: string; attempt: number }): string {
  return `${event.jobId}.${event.taskId}.${event.type}.${event.attempt}`;
}
