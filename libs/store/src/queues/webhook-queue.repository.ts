import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { WEBHOOK_QUEUE, webhookQueueJobId } from '../queue-names';
import { QueueStats, queueStats } from './bull-queues';

/** One webhook to deliver: the final job is read when it is sent. */
export interface WebhookDelivery {
  jobId: string;
  url: string;
  /** The API key id that made the job (its delivery slots); absent: made without a key. */
  owner?: string;
}

export interface DeliveryRetries {
  attempts: number;
  /** First retry after this long, then doubling. */
  backoffMs: number;
}

/** The webhook deliveries' queue (WEBHOOK_QUEUE; coordinators consume it): durable, retried with backoff, one per job. */
@Injectable()
export class WebhookQueueRepository {
  constructor(@InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookDelivery>) {}

  async add(delivery: WebhookDelivery, { attempts, backoffMs }: DeliveryRetries): Promise<void> {
    await this.queue.add('deliver', delivery, {
      jobId: webhookQueueJobId(delivery.jobId),
      attempts,
      backoff: { type: 'exponential', delay: backoffMs },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 24 * 3600, count: 1000 },
    });
  }

  stats(): Promise<QueueStats> {
    return queueStats(this.queue);
  }
}
