import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { JobStore } from '../jobs/job-store';
import { CoordinatorMetrics } from '../metrics/coordinator-metrics';
import { WEBHOOK_QUEUE, WebhookDelivery } from './webhook-dispatcher';
import { WebhookRenderers } from './webhook-renderers';
import { WebhookSender } from './webhook-sender';

/** Delivers webhooks; after the last attempt it gives up and says so. The job is never touched. */
@Processor(WEBHOOK_QUEUE, { concurrency: 4 })
export class WebhookDeliveryProcessor extends WorkerHost {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly store: JobStore,
    private readonly sender: WebhookSender,
    private readonly renderers: WebhookRenderers,
    private readonly metrics: CoordinatorMetrics,
  ) {
    super();
  }

  async process(job: Job<WebhookDelivery>): Promise<void> {
    const record = await this.store.getWithOutputs(job.data.jobId);
    if (!record) return;
    const { method, body } = await this.renderers.render(record);
    await this.sender.send(job.data.url, body, job.data.jobId, method);
    this.metrics.webhookAttempt('delivered');
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<WebhookDelivery> | undefined, error: Error): void {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1);
    this.metrics.webhookAttempt(final ? 'gave_up' : 'retrying');
    const what = final ? 'gave up on' : 'will retry';
    this.logger.warn(`${what} the webhook of job ${job.data.jobId} (attempt ${job.attemptsMade}): ${error.message}`);
  }
}
