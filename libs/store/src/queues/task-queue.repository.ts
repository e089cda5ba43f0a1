import { Injectable } from '@nestjs/common';
import { Job, JobType, MetricsTime, Queue, Worker } from 'bullmq';
import { KilnConfig } from '@kiln/config';
import { bullConnection } from '@kiln/redis';
import { TaskPayload } from '@kiln/tasks';
import { bullPriority, taskQueueJobId, taskQueueName } from '../queue-names';
import { BullQueues, QueueStats, queueStats } from './bull-queues';

const CONNECTION = 'kiln-task-queue';

/** A task to queue: its payload and where it goes in the queue's order. */
export interface QueuedTask {
  payload: TaskPayload;
  /** The job's priority, 1–10. */
  priority: number;
  /** A job's later task (its run after the compile, its cleanup): goes just ahead of new jobs of the same priority. */
  followUp: boolean;
}

export interface EnqueueOptions {
  /** Attempts of a task whose failure is Kiln's (coordinator.taskAttempts). */
  attempts: number;
  /** The tasks become available to workers only after this long. */
  delayMs?: number;
}

/** A worker's consumer of one task queue: it pauses, resumes and closes it. */
export type TaskConsumer = Worker<TaskPayload>;

/** How a worker consumes one task queue (worker.*). */
export interface ConsumerSettings {
  /** The worker's id: BullMQ names the consumer after it. */
  name: string;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
}

/**
 * The task queues, one BullMQ queue per named Kiln queue: coordinators put
 * tasks on them (deterministic ids make enqueuing idempotent), workers
 * consume them and promote the tasks they parked.
 */
@Injectable()
export class TaskQueueRepository {
  constructor(
    private readonly queues: BullQueues,
    private readonly config: KilnConfig,
  ) {}

  async enqueue(queue: string, tasks: QueuedTask[], { attempts, delayMs = 0 }: EnqueueOptions): Promise<void> {
    const jobs = tasks.map(({ payload, priority, followUp }) => ({
      name: payload.kind,
      data: payload,
      opts: {
        jobId: taskQueueJobId(payload.jobId, payload.taskId),
        priority: bullPriority(priority, followUp),
        attempts,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 3600, count: 5000 },
        removeOnFail: { age: 24 * 3600, count: 5000 },
        ...(delayMs > 0 ? { delay: delayMs } : {}),
      },
    }));
    // One task (a plain job's run) goes as one script call: addBulk builds a pipeline, which copies every BullMQ script onto it first.
    if (jobs.length === 1) await this.queue(queue).add(jobs[0].name, jobs[0].data, jobs[0].opts);
    else await this.queue(queue).addBulk(jobs);
  }

  /** Tasks waiting for a worker on these queues together, delayed ones (retries, parked tasks) included. */
  async waiting(queues: string[]): Promise<number> {
    const counts = await Promise.all(queues.map((name) => this.queue(name).getJobCountByTypes('waiting', 'prioritized', 'delayed')));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /** Takes a job's tasks that no worker has picked up yet off the queue. */
  async withdraw(queue: string, jobId: string, taskIds: string[]): Promise<void> {
    const bull = this.queue(queue);
    await Promise.allSettled(taskIds.map((taskId) => bull.remove(taskQueueJobId(jobId, taskId))));
  }

  /** BullMQ's count of the queue's tasks in each state. */
  counts<S extends JobType>(queue: string, states: readonly S[]): Promise<Partial<Record<S, number>>> {
    return this.queue(queue).getJobCounts(...states) as Promise<Partial<Record<S, number>>>;
  }

  stats(queue: string): Promise<QueueStats> {
    return queueStats(this.queue(queue));
  }

  /** Makes a parked (delayed) task available at once; false if it is not delayed any more, or gone. */
  async promote(queue: string, task: string): Promise<boolean> {
    const parked = await this.queue(queue).getJob(task);
    if (!parked || !(await parked.isDelayed())) return false;
    return parked.promote().then(
      () => true,
      () => false,
    );
  }

  /** A BullMQ consumer of the queue; the caller starts nothing else and closes it when it stops. */
  consume(queue: string, process: (job: Job<TaskPayload>, token?: string) => Promise<void>, settings: ConsumerSettings): TaskConsumer {
    return new Worker<TaskPayload>(taskQueueName(queue), process, {
      ...bullConnection(this.config.redis, `kiln-worker-${settings.name}`),
      concurrency: settings.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: settings.maxStalledCount,
      name: settings.name,
      // Per-minute completion counts, read by GET /queues for throughput.
      metrics: { maxDataPoints: MetricsTime.ONE_HOUR },
    });
  }

  private queue(name: string): Queue<TaskPayload> {
    return this.queues.get<TaskPayload>(taskQueueName(name), CONNECTION);
  }
}
