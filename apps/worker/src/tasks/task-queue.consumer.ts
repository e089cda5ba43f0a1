import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Job } from 'bullmq';
import { KilnConfig } from '@kiln/config';
import { RedisHealth, settledWithin } from '@kiln/redis';
import { TaskConsumer, TaskQueueRepository } from '@kiln/store';
import { TaskPayload } from '@kiln/tasks';
import { WorkerIdentity } from '../identity/worker-identity';
import { SandboxRuntime } from '../sandbox/sandbox-runtime';
import { StalledTaskReporter } from './stalled-task.reporter';
import { TaskProcessor } from './task.processor';

/** With no task left, a close that has not ended by then waits only for Redis. */
const IDLE_CLOSE_MS = 1000;

/**
 * The BullMQ consumers of the queues this worker subscribes to (worker.queues),
 * one per queue. Made by TaskQueueRepository rather than with @Processor
 * because their names, concurrency, lock and stall settings come from the
 * validated configuration, and they must start only once the whole worker is up.
 */
@Injectable()
export class TaskQueueConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TaskQueueConsumer.name);
  private workers: TaskConsumer[] = [];
  private pausedFor: string | null = null;

  constructor(
    private readonly config: KilnConfig,
    private readonly identity: WorkerIdentity,
    private readonly processor: TaskProcessor,
    private readonly stalled: StalledTaskReporter,
    private readonly sandboxes: SandboxRuntime,
    private readonly queues: TaskQueueRepository,
    private readonly redis: RedisHealth,
  ) {}

  onApplicationBootstrap(): void {
    this.workers = this.config.worker.queues.map((queue) => this.consume(queue));
  }

  /** Tasks running right now on this worker, all queues together. */
  running(): number {
    return this.processor.running();
  }

  /** Stops taking new tasks (running ones go on), e.g. while the Docker engine does not answer. */
  async pause(reason: string): Promise<void> {
    if (this.pausedFor) return;
    this.pausedFor = reason;
    this.logger.warn(`not taking tasks: ${reason}`);
    await Promise.all(this.workers.map((worker) => worker.pause(true)));
  }

  resume(): void {
    if (!this.pausedFor) return;
    this.logger.log(`taking tasks again (was: ${this.pausedFor})`);
    this.pausedFor = null;
    for (const worker of this.workers) worker.resume();
  }

  pauseReason(): string | null {
    return this.pausedFor;
  }

  /**
   * First step of shutdown: stop taking tasks and let the running ones finish
   * within worker.shutdownGraceMs; past it, hand them back (their sandboxes
   * are killed, the attempt fails as Kiln's failure, BullMQ gives the task to
   * another worker). Sandboxes are removed later, when the runtime drains
   * (sandbox-runtime.ts).
   * A close that only Redis holds (no task left, or the handed-back ones
   * cannot say so) is not waited for: with Redis gone it would never end, and
   * the tasks' locks expire by themselves.
   */
  async onModuleDestroy(): Promise<void> {
    this.sandboxes.windDown();
    const closing = Promise.all(this.workers.map((worker) => worker.close()));
    if (await this.settledInGrace(closing)) return;
    if (this.running() > 0) {
      const handedBack = await this.sandboxes.killAll('shutdown');
      this.logger.warn(`shutdown grace over: handing back ${handedBack} running task(s)`);
      // The killed tasks say so to Redis (another worker retries them at once), if Redis is there to hear it.
      if (this.redis.connected() && (await settledWithin(closing, this.config.sandbox.killGraceMs + IDLE_CLOSE_MS))) return;
    }
    const why = this.redis.connected() ? 'the task queues did not close in time' : 'Redis does not answer';
    this.logger.warn(`${why}: leaving them without waiting (the tasks' locks expire, another worker takes them)`);
    // A socketless client may never say it ended: its disconnect is asked for, not waited for.
    for (const worker of this.workers) worker.disconnect().catch(() => undefined);
  }

  /** Whether the close ends within the grace period; gives up early once no task is left to finish. */
  private async settledInGrace(closing: Promise<unknown>): Promise<boolean> {
    const graceEnds = Date.now() + this.config.worker.shutdownGraceMs;
    for (let left = graceEnds - Date.now(); left > 0; left = graceEnds - Date.now()) {
      if (await settledWithin(closing, Math.min(IDLE_CLOSE_MS, left))) return true;
      // Idle before and after a last wait (a task taken just before the close starts meanwhile, and keeps its grace).
      if (this.running() === 0 && !(await settledWithin(closing, IDLE_CLOSE_MS)) && this.running() === 0) return false;
    }
    return false;
  }

  private consume(queue: string): TaskConsumer {
    const { worker } = this.config;
    const consumer = this.queues.consume(queue, (job: Job<TaskPayload>, token?: string) => this.processor.process(job, token), {
      name: this.identity.id,
      concurrency: worker.concurrency,
      lockDurationMs: worker.lockDurationMs,
      stalledIntervalMs: worker.stalledIntervalMs,
      maxStalledCount: worker.maxStalledCount,
    });
    consumer.on('error', (error) => this.logger.error(`queue ${queue}: ${error.message}`));
    consumer.on('failed', (job, error) => {
      this.stalled.failed(job, error).catch((failure: Error) => this.logger.error(`queue ${queue}: cannot report a task BullMQ failed: ${failure.message}`));
    });
    return consumer;
  }
}
