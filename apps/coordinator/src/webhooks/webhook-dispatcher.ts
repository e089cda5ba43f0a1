import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { KilnConfig } from '@kiln/config';

export const WEBHOOK_QUEUE = 'kiln-webhooks';

export interface WebhookDelivery {
  jobId: string;
  url: string;
  /** The API key id that made the job (its delivery slots); absent: made without a key. */
  owner?: string;
}

/** Queues the final job for its webhook: durable, retried with backoff, never blocking the job. */
@Injectable()
export class WebhookDispatcher {
  constructor(
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookDelivery>,
    private readonly config: KilnConfig,
  ) {}

  async dispatch(jobId: string, url: string, owner?: string): Promise<void> {
    const { attempts, backoffMs } = this.config.coordinator.webhooks;
    await this.queue.add('deliver', { jobId, url, ...(owner ? { owner } : {}) }, {
      jobId: `webhook.${jobId}`,
      attempts,
      backoff: { type: 'exponential', delay: backoffMs },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 24 * 3600, count: 1000 },
    });
  }
}

