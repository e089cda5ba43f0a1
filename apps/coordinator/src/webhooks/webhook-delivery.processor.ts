import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { KilnConfig } from '@kiln/config';
import { JobRepository, WEBHOOK_QUEUE, WebhookDelivery } from '@kiln/store';
import { CoordinatorMetrics } from '../metrics/coordinator-metrics';
import { KEYLESS, WebhookKeySlots } from './webhook-key-slots';
import { WebhookRenderers } from './webhook-renderers';
import { WebhookSender } from './webhook-sender';

/** A delivery whose key holds all its slots waits this long, off the slots, before it is tried again. */
const KEY_BUSY_DELAY_MS = 1000;

/**
 * Delivers webhooks, coordinator.webhooks.concurrency at once, at most
 * perKeyConcurrency of them for one key; after the last attempt it gives up
 * and says so. The job is never touched.
 */
@Processor(WEBHOOK_QUEUE)
export class WebhookDeliveryProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly store: JobRepository,
    private readonly sender: WebhookSender,
    private readonly renderers: WebhookRenderers,
    private readonly metrics: CoordinatorMetrics,
    private readonly slots: WebhookKeySlots,
    private readonly config: KilnConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.coordinator.webhooks.concurrency;
  }

  async process(job: Job<WebhookDelivery>, token?: string): Promise<void> {
    const key = job.data.owner ?? KEYLESS;
    if (!this.slots.tryTake(key)) {
      // Back to the delayed set, not an attempt: the slot goes to another key's delivery meanwhile.
      await job.moveToDelayed(Date.now() + KEY_BUSY_DELAY_MS, token);
      throw new DelayedError();
    }
    try {
      await this.deliver(job.data);
    } finally {
      this.slots.give(key);
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<WebhookDelivery> | undefined, error: Error): void {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1);
    this.metrics.webhookAttempt(final ? 'gave_up' : 'retrying');
    const what = final ? 'gave up on' : 'will retry';
    this.logger.warn(`${what} the webhook of job ${job.data.jobId} (attempt ${job.attemptsMade}): ${error.message}`);
  }

  private async deliver({ jobId, url }: WebhookDelivery): Promise<void> {
    const record = await this.store.getWithOutputs(jobId);
    if (!record) return;
    const { method, body } = await this.renderers.render(record);
    await this.sender.send(url, body, jobId, method);
    this.metrics.webhookAttempt('delivered');
  }
}
