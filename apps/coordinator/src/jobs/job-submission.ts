import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { JobEventLog } from '@kiln/redis';
import { JobRecord, JobState, TaskState } from '@kiln/tasks';
import { currentTraceCarrier, inSpan } from '@kiln/telemetry';
import { Principal } from '../auth/principal';
import { CoordinatorMetrics } from '../metrics/coordinator-metrics';
import { NodeRegistry } from '../nodes/node-registry';
import { TaskQueue } from '../queue/task-queue';
import { WebhookTargets } from '../webhooks/webhook-targets';
import { CreateJobDto } from './dto/create-job.dto';
import { JobPlanner } from './job-planner';
import { JobRequestFactory } from './job-request.factory';
import { JobStore } from './job-store';

/** Accepts a job: validate, check capacity, plan, store, enqueue its first tasks. */
@Injectable()
export class JobSubmission {
  private readonly logger = new Logger('Jobs');

  constructor(
    private readonly requests: JobRequestFactory,
    private readonly planner: JobPlanner,
    private readonly store: JobStore,
    private readonly queue: TaskQueue,
    private readonly nodes: NodeRegistry,
    private readonly webhooks: WebhookTargets,
    private readonly events: JobEventLog,
    private readonly metrics: CoordinatorMetrics,
    private readonly config: KilnConfig,
  ) {}

  async submit(dto: CreateJobDto, principal: Principal): Promise<JobRecord> {
    const request = this.requests.create(dto);
    if (dto.webhook) await this.webhooks.assertAllowed(dto.webhook);
    await this.assertCapacity();
    const { meta, input } = await inSpan('kiln.plan', { 'kiln.language': request.language.id }, async () =>
      this.planner.plan({ ...request, owner: principal.keyId, webhook: dto.webhook, trace: currentTraceCarrier() }),
    );
    await inSpan('kiln.enqueue', { 'kiln.job': meta.id, 'kiln.queue': meta.queue }, async () => {
      await this.store.create(meta, input);
      const first = meta.plan.filter((task) => task.kind === (meta.compiled ? 'compile' : 'run'));
      await this.queue.enqueue(meta, first);
      for (const task of first) await this.store.transitionTask(meta.id, { id: task.id, kind: task.kind, state: TaskState.QUEUED });
      if (await this.store.transitionJob(meta.id, [JobState.PENDING], JobState.SCHEDULED)) {
        await this.events.append(meta.id, { type: 'state', state: JobState.SCHEDULED });
      }
    });
    const job = (await this.store.getWithOutputs(meta.id))!;
    this.metrics.jobSubmitted(job);
    this.logger.log({ msg: 'job accepted', jobId: meta.id, language: meta.language, queue: meta.queue, tasks: meta.plan.length });
    return job;
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
}
