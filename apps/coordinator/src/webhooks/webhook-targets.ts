import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { InvalidRequestException } from '../http/field-error';
import { WebhookAddressError, WebhookAddressPolicy } from './webhook-address-policy';

/** Checks a request's webhook before the job is accepted: webhooks on, and the target allowed. */
@Injectable()
export class WebhookTargets {
  constructor(
    private readonly config: KilnConfig,
    private readonly policy: WebhookAddressPolicy,
  ) {}

  async assertAllowed(url: string): Promise<void> {
    if (!this.config.coordinator.webhooks.secret) {
      throw new InvalidRequestException([{ field: 'webhook', message: 'webhooks are off on this server (no coordinator.webhooks.secret)' }]);
    }
    try {
      await this.policy.check(url);
    } catch (error) {
      const message = error instanceof WebhookAddressError ? error.message : `cannot resolve the webhook's host: ${(error as Error).message}`;
      throw new InvalidRequestException([{ field: 'webhook', message }]);
    }
  }
}
