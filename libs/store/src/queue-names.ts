import { PRIORITY_RANGE } from '@kiln/tasks';

/** BullMQ queue that carries tasks of one named Kiln queue (`default`, `heavy`…) to the workers subscribed to it. */
export function taskQueueName(queue: string): string {
  return `kiln-tasks.${queue}`;
}

/** BullMQ queue that carries task events from the workers back to the coordinator. */
export const EVENT_QUEUE = 'kiln-events';

/** BullMQ queue of webhook deliveries (coordinators deliver them). */
export const WEBHOOK_QUEUE = 'kiln-webhooks';

/**
 * The BullMQ priority of a task (lower runs first). Every task gets one,
 * because BullMQ runs unprioritised jobs before all prioritised ones; and a
 * job's follow-up tasks (run after compile, cleanup) go just ahead of new
 * jobs of the same priority, so work already started finishes first.
 */
export function bullPriority(priority: number, followUp: boolean): number {
  return (PRIORITY_RANGE.max + 1 - priority) * 2 - (followUp ? 1 : 0);
}

/** BullMQ job id of a task: deterministic, so enqueuing the same task twice is a no-op. */
export function taskQueueJobId(jobId: string, taskId: string): string {
  return `${jobId}.${taskId}`;
}

/** BullMQ job id of a task event: the same event reported twice collapses into one. */
export function eventQueueJobId(event: { jobId: string; taskId: string; type: string; attempt: number }): string {
  return `${event.jobId}.${event.taskId}.${event.type}.${event.attempt}`;
}

/** BullMQ job id of a job's webhook delivery: one per job, however often its end is announced. */
export function webhookQueueJobId(jobId: string): string {
  return `webhook.${jobId}`;
}
