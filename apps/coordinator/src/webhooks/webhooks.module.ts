import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { WebhookAddressPolicy } from './webhook-address-policy';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookKeySlots } from './webhook-key-slots';
import { WebhookRenderers } from './webhook-renderers';
import { WebhookSender } from './webhook-sender';
import { WebhookTargets } from './webhook-targets';

/**
 * Webhooks: the target check at submission, the durable queue at a job's
 * end, and their delivery (signed, retried, address-checked, per-key slots).
 */
@Module({
  imports: [MetricsModule],
  providers: [WebhookAddressPolicy, WebhookTargets, WebhookSender, WebhookKeySlots, WebhookDispatcher, WebhookDeliveryProcessor, WebhookRenderers],
  exports: [WebhookTargets, WebhookDispatcher, WebhookRenderers],
})
export class WebhooksModule {}
