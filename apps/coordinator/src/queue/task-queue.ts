import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { KilnConfig } from '@kiln/config';
import { JobMeta, TASK_QUEUE, TaskPayload, TaskPlan, taskQueueJobId } from '@kiln/tasks';

/** Puts a job's tasks on the BullMQ task queue; deterministic ids make it idempotent. */
@Injectable()
export class TaskQueue {
  constructor(
    @InjectQueue(TASK_QUEUE) private readonly queue: Queue<TaskPayload>,
    private readonly config: KilnConfig,
  ) {}

  async enqueue(meta: JobMeta, tasks: TaskPlan[]): Promise<void> {
    const enqueuedAt = Date.now();
    await this.queue.addBulk(
      tasks.map((task) => ({
        name: task.kind,
        data: payloadOf(meta, task, enqueuedAt),
        opts: {
          jobId: taskQueueJobId(meta.id, task.id),
          attempts: this.config.worker.taskAttempts,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { age: 3600, count: 5000 },
          removeOnFail: { age: 24 * 3600, count: 5000 },
        },
      })),
    );
  }

  /** Takes tasks that no worker has picked up yet off the queue (cancellation). */
  async withdraw(jobId: string, taskIds: string[]): Promise<void> {
    await Promise.allSettled(taskIds.map((taskId) => this.queue.remove(taskQueueJobId(jobId, taskId))));
  }
}

function payloadOf(meta: JobMeta, task: TaskPlan, enqueuedAt: number): TaskPayload {
  return {
    jobId: meta.id,
    taskId: task.id,
    kind: task.kind,
    language: meta.language,
    limits: meta.limits,
    useArtifact: task.kind === 'run' && meta.compiled,
    ...(task.tests ? { tests: task.tests } : {}),
    ...(meta.options ? { options: meta.options } : {}),
    enqueuedAt,
  };
}
