import { ConflictException, Inject, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { JobEventLog, REDIS } from '@kiln/redis';
import { isTerminalJobState, JobRecord, JobState, JobView, RedisKeys, TaskState } from '@kiln/tasks';
import { Principal } from '../auth/principal';
import { JobFinisher } from '../events/job-finisher';
import { TaskQueue } from '../queue/task-queue';
import { CreateJobDto } from './dto/create-job.dto';
import { JobPlanner } from './job-planner';
import { JobRequestFactory } from './job-request.factory';
import { JobStore } from './job-store';
import { toJobView } from './job-view';
import { JobWaiters, WaitOutcome } from './job-waiters';
import { NodeRegistry } from '../nodes/node-registry';
import { WebhookTargets } from '../webhooks/webhook-targets';

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
    private readonly nodes: NodeRegistry,
    private readonly keys: RedisKeys,
    private readonly config: KilnConfig,
    private readonly events: JobEventLog,
    private readonly webhooks: WebhookTargets,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async submit(dto: CreateJobDto, principal: Principal): Promise<JobRecord> {
    const request = this.requests.create(dto);
    if (dto.webhook) await this.webhooks.assertAllowed(dto.webhook);
    await this.assertCapacity();
    const { meta, input } = this.planner.plan({ ...request, owner: principal.keyId, webhook: dto.webhook });
    await this.store.create(meta, input);
    const first = meta.plan.filter((task) => task.kind === (meta.compiled ? 'compile' : 'run'));
    await this.queue.enqueue(meta, first);
    for (const task of first) await this.store.transitionTask(meta.id, { id: task.id, kind: task.kind, state: TaskState.QUEUED });
    if (await this.store.transitionJob(meta.id, [JobState.PENDING], JobState.SCHEDULED)) {
      await this.events.append(meta.id, { type: 'state', state: JobState.SCHEDULED });
    }
    return (await this.store.get(meta.id))!;
  }

  async view(id: string, principal: Principal): Promise<JobView> {
    return toJobView(await this.require(id, principal));
  }

  /** Waits for the job to end, at most its own limits (every test one after the other) plus the configured margin. */
  async waitForEnd(job: JobRecord): Promise<{ outcome: WaitOutcome; view: JobView }> {
    const { limits, compiled, testCount } = job.meta;
    const runsMs = limits.timeoutMs * Math.max(1, testCount ?? 0);
    const budget = runsMs + (compiled ? limits.compileTimeoutMs : 0) + this.config.coordinator.execute.waitMarginMs;
    const id = job.meta.id;
    const outcome = await this.waiters.wait(id, budget, async () => isTerminalJobState((await this.require(id)).state));
    return { outcome, view: toJobView(await this.require(id)) };
  }

  async cancel(id: string, principal: Principal): Promise<JobView> {
    await this.require(id, principal);
    const cancelled = await this.store.finish(id, { state: JobState.CANCELLED, verdict: null });
    if (!cancelled) {
      const now = await this.require(id);
      throw new ConflictException({ error: `job ${id} is already ${now.state} and cannot be cancelled` });
    }
    await this.redis.publish(this.keys.cancelChannel(), id);
    await this.finisher.settle(id);
    return this.view(id, principal);
  }

  /** 503 when no worker could run the job, or the queue is already as long as allowed (Judge0's MAX_QUEUE_SIZE). */
  private async assertCapacity(): Promise<void> {
    if (!(await this.nodes.anyReady())) {
      throw new ServiceUnavailableException({ error: 'no worker is available to run jobs; try again later' });
    }
    const waiting = await this.queue.waiting();
    if (waiting >= this.config.coordinator.maxQueuedTasks) {
      throw new ServiceUnavailableException({ error: `the queue is full (${waiting} tasks waiting); try again later` });
    }
  }

  /** The job, if it exists and the caller may see it: another key's job is answered exactly like a missing one. */
  private async require(id: string, principal?: Principal): Promise<JobRecord> {
    const job = await this.store.get(id);
    const foreign = job?.meta.owner && principal && job.meta.owner !== principal.keyId;
    if (!job || foreign) throw new NotFoundException({ error: `no job with id ${id}` });
    return job;
  }
}
