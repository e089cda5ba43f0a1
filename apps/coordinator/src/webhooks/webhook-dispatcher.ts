import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { WebhookQueueRepository } from '@kiln/store';

/** Queues the final job for its webhook: durable, retried with backoff (coordinator.webhooks), never blocking the job. */
@Injectable()
export class WebhookDispatcher {
  constructor(
    private readonly queue: WebhookQueueRepository,
    private readonly config: KilnConfig,
  ) {}

  async dispatch(jobId: string, url: string, owner?: string): Promise<void> {
    await this.queue.add({ jobId, url, ...(owner ? { owner } : {}) }, this.config.coordinator.webhooks);
  }
}
