import { ConflictException, Inject, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { isTerminalJobState, JobRecord, JobState, JobView, RedisKeys, TaskState } from '@kiln/tasks';
import { JobFinisher } from '../events/job-finisher';
import { TaskQueue } from '../queue/task-queue';
import { CreateJobDto } from './dto/create-job.dto';
import { JobPlanner } from './job-planner';
import { JobRequestFactory } from './job-request.factory';
import { JobStore } from './job-store';
import { toJobView } from './job-view';
import { JobWaiters } from './job-waiters';
import { WorkerAvailability } from './worker-availability';

/** Submits, reads, waits for and cancels jobs. */
@Injectable()
export class JobsService {
  constructor(
    private readonly requests: JobRequestFactory,
    private readonly planner: JobPlanner,
    private readonly store: JobStore,
    private readonly queue: TaskQueue,
    private readonly finisher: JobFinisher,
    private readonly waiters: JobWaiters,
    private readonly workers: WorkerAvailability,
    private readonly keys: RedisKeys,
    private readonly config: KilnConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async submit(dto: CreateJobDto): Promise<JobRecord> {
    const request = this.requests.create(dto);
    if (!(await this.workers.anyReady())) {
      throw new ServiceUnavailableException({ error: 'no worker is available to run jobs; try again later' });
    }
    const { meta, input } = this.planner.plan(request);
    await this.store.create(meta, input);
    const first = meta.plan.filter((task) => task.kind === (meta.compiled ? 'compile' : 'run'));
    await this.queue.enqueue(meta, first);
    for (const task of first) await this.store.transitionTask(meta.id, { id: task.id, kind: task.kind, state: TaskState.QUEUED });
    await this.store.transitionJob(meta.id, [JobState.PENDING], JobState.SCHEDULED);
    return (await this.store.get(meta.id))!;
  }

  async view(id: string): Promise<JobView> {
    return toJobView(await this.require(id));
  }

  /** Waits for the job to end, at most its own limits (every test one after the other) plus the configured margin. */
  async waitForEnd(job: JobRecord): Promise<{ done: boolean; view: JobView }> {
    const { limits, compiled, testCount } = job.meta;
    const runsMs = limits.timeoutMs * Math.max(1, testCount ?? 0);
    const budget = runsMs + (compiled ? limits.compileTimeoutMs : 0) + this.config.coordinator.execute.waitMarginMs;
    const id = job.meta.id;
    const done = await this.waiters.wait(id, budget, async () => isTerminalJobState((await this.require(id)).state));
    return { done, view: await this.view(id) };
  }

  async cancel(id: string): Promise<JobView> {
    const job = await this.require(id);
    const cancelled = await this.store.finish(id, { state: JobState.CANCELLED, verdict: null });
    if (!cancelled) {
      const now = await this.require(id);
      throw new ConflictException({ error: `job ${id} is already ${now.state} and cannot be cancelled` });
    }
    await this.redis.publish(this.keys.cancelChannel(), id);
    await this.queue.withdraw(id, await this.finisher.skipUnstarted(job));
    await this.finisher.ensureCleanup(job);
    await this.finisher.announce(id);
    return this.view(id);
  }

  private async require(id: string): Promise<JobRecord> {
    const job = await this.store.get(id);
    if (!job) throw new NotFoundException({ error: `no job with id ${id}` });
    return job;
  }
}
