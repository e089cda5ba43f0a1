import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { JobRepository } from '@kiln/store';
import { firstTasksOf, JobRecord } from '@kiln/tasks';
import { currentTraceCarrier, inSpan } from '@kiln/telemetry';
import { Principal } from '../auth/principal';
import { CoordinatorMetrics } from '../metrics/coordinator-metrics';
import { NodeRegistry } from '../nodes/node-registry';
import { TaskQueue } from '../queues/task-queue';
import { KeyAdmission } from '../tenancy/key-admission';
import { KeyLimits } from '../tenancy/key-limits';
import { WebhookTargets } from '../webhooks/webhook-targets';
import { CreateJobDto } from './dto/create-job.dto';
import { JobPlanner, PlannedJob } from './job-planner';
import { JobRequestFactory } from './job-request.factory';

/**
 * Accepts jobs in two steps: `prepare` validates and plans one request (400s
 * name their field), `admit` checks capacity and the caller's per-key share
 * for a whole request at once (one job, or every job of a Judge0 batch),
 * then stores and enqueues each job.
 */
@Injectable()
export class JobSubmission {
  private readonly logger = new Logger('Jobs');

  constructor(
    private readonly requests: JobRequestFactory,
    private readonly planner: JobPlanner,
    private readonly store: JobRepository,
    private readonly queue: TaskQueue,
    private readonly nodes: NodeRegistry,
    private readonly webhooks: WebhookTargets,
    private readonly metrics: CoordinatorMetrics,
    private readonly limits: KeyLimits,
    private readonly admission: KeyAdmission,
    private readonly config: KilnConfig,
  ) {}

  async submit(dto: CreateJobDto, principal: Principal): Promise<JobRecord> {
    const [job] = await this.admit([await this.prepare(dto, principal)], principal);
    return job;
  }

  /** Validates and plans one request; nothing is stored yet. */
  async prepare(dto: CreateJobDto, principal: Principal): Promise<PlannedJob> {
    const request = this.requests.create(dto, this.limits.of(principal)?.maxPriority);
    if (dto.webhook) await this.webhooks.assertAllowed(dto.webhook);
    return inSpan('kiln.plan', { 'kiln.language': request.language.id }, async () =>
      this.planner.plan({ ...request, owner: principal.keyId, webhook: dto.webhook, trace: currentTraceCarrier() }),
    );
  }

  /**
   * Admits the planned jobs of one request together: 503 when no worker could
   * run them or the queue is full, 429 when they would take the caller's key
   * past its share; otherwise every one is stored and queued.
   */
  async admit(planned: PlannedJob[], principal: Principal): Promise<JobRecord[]> {
    await this.assertCapacity();
    const metas = planned.map((job) => job.meta);
    await this.admission.admit(metas, principal);
    const accepted: JobRecord[] = [];
    try {
      for (const job of planned) accepted.push(await this.accept(job));
    } catch (error) {
      // Give back what was reserved for the jobs never stored; stored ones end by their deadline and give back then.
      await this.admission.withdraw(metas.slice(accepted.length + 1), principal).catch(() => undefined);
      throw error;
    }
    return accepted;
  }

  /** Stored SCHEDULED with its first tasks QUEUED (one step), then those tasks enqueued; the record is not read back. */
  private async accept({ meta, input }: PlannedJob): Promise<JobRecord> {
    const job = await inSpan('kiln.enqueue', { 'kiln.job': meta.id, 'kiln.queue': meta.queue }, async () => {
      const first = firstTasksOf(meta.plan);
      const stored = await this.store.create(
        meta,
        input,
        first.map((task) => task.id),
      );
      await this.queue.enqueue(meta, first);
      return stored;
    });
    this.metrics.jobSubmitted(job);
    this.logger.log({ msg: 'job accepted', jobId: meta.id, language: meta.language, queue: meta.queue, tasks: meta.plan.length });
    return job;
  }

  /** 503 when no worker could run the job, or the queue is already as long as allowed (Judge0's MAX_QUEUE_SIZE). */
  private async assertCapacity(): Promise<void> {
    if (!(await this.nodes.anyReady())) {
      throw new ServiceUnavailableException({ error: 'no worker is available to run jobs; try again later' });
    }
    const waiting = await this.queue.backlog(this.config.coordinator.maxQueuedTasks);
    if (waiting >= this.config.coordinator.maxQueuedTasks) {
      throw new ServiceUnavailableException({ error: `the queue is full (${waiting} tasks waiting); try again later` });
    }
  }
}
