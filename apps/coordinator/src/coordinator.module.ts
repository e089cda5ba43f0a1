import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { EndpointsConfig, KilnConfig } from '@kiln/config';
import { bullRootModule, RedisModule } from '@kiln/redis';
import { EVENT_QUEUE } from '@kiln/tasks';
import { JobAdvancer } from './events/job-advancer';
import { JobFinisher } from './events/job-finisher';
import { StuckJobSweeper } from './events/stuck-job-sweeper';
import { TaskCompletedHandler } from './events/task-completed.handler';
import { TaskEventsListener } from './events/task-events.listener';
import { TaskFailedHandler } from './events/task-failed.handler';
import { TaskStartedHandler } from './events/task-started.handler';
import { ExecuteController } from './execute/execute.controller';
import { HealthController } from './health/health.controller';
import { JobPlanner } from './jobs/job-planner';
import { JobRequestFactory } from './jobs/job-request.factory';
import { JobStore } from './jobs/job-store';
import { JobWaiters } from './jobs/job-waiters';
import { JobsController } from './jobs/jobs.controller';
import { JobsService } from './jobs/jobs.service';
import { JobSubmission } from './jobs/job-submission';
import { CoordinatorHeartbeat } from './nodes/coordinator-heartbeat';
import { NodeRegistry } from './nodes/node-registry';
import { NodesController } from './nodes/nodes.controller';
import { QueuesController } from './queues/queues.controller';
import { CoordinatorMetrics } from './metrics/coordinator-metrics';
import { MetricsController } from './metrics/metrics.controller';
import { LanguagesController } from './languages/languages.controller';
import { TaskQueue } from './queue/task-queue';
import { AuthModule } from './auth/auth.module';
import { CoordinatorDrain } from './http/coordinator-drain';
import { InFlightRequests } from './http/in-flight-requests';
import { JobChannelHub } from './events-stream/job-channel-hub';
import { JobEventsController } from './events-stream/job-events.controller';
import { WebhookAddressPolicy } from './webhooks/webhook-address-policy';
import { WebhookDeliveryProcessor } from './webhooks/webhook-delivery.processor';
import { WEBHOOK_QUEUE, WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhookKeySlots } from './webhooks/webhook-key-slots';
import { WebhookSender } from './webhooks/webhook-sender';
import { WebhookTargets } from './webhooks/webhook-targets';
import { PlaygroundAssets } from './playground/playground-assets';
import { PlaygroundController } from './playground/playground.controller';
import { SnippetStore } from './snippets/snippet-store';
import { SnippetsController } from './snippets/snippets.controller';
import { SnippetsService } from './snippets/snippets.service';
import { WebhookRenderers } from './webhooks/webhook-renderers';
import { CompatJobs } from './compat/compat-jobs';
import { JUDGE0_PROVIDERS, judge0Controllers } from './compat/judge0';
import { PISTON_CONTROLLERS, PISTON_PROVIDERS } from './compat/piston';
import { ApiKeys } from './auth/api-keys';
import { KeyAdmission } from './tenancy/key-admission';
import { KeyLimits } from './tenancy/key-limits';
import { KeyTaskLedger } from './tenancy/key-task-ledger';
import { KeyTaskLedgerAudit } from './tenancy/key-task-ledger.audit';

/**
 * Each endpoint group's controllers (or a function of the configuration that
 * makes them, for a group mounted under a configured path); a group switched
 * off in config is simply not mounted (404).
 */
const ENDPOINT_GROUPS: Record<keyof EndpointsConfig, Type[] | ((config: KilnConfig) => Type[])> = {
  execute: [ExecuteController],
  jobs: [JobsController, JobEventsController],
  languages: [LanguagesController],
  health: [HealthController],
  nodes: [NodesController],
  queues: [QueuesController],
  metrics: [MetricsController],
  playground: [PlaygroundController],
  snippets: [SnippetsController],
  piston: PISTON_CONTROLLERS,
  judge0: judge0Controllers,
};

@Module({})
export class CoordinatorModule {
  static forConfig(config: KilnConfig): DynamicModule {
    const endpoints = config.coordinator.api.endpoints;
    const controllers = Object.entries(ENDPOINT_GROUPS)
      .filter(([group]) => endpoints[group as keyof EndpointsConfig])
      .flatMap(([, group]) => (Array.isArray(group) ? group : group(config)));
    return {
      module: CoordinatorModule,
      imports: [
        RedisModule,
        AuthModule,
        bullRootModule(),
        BullModule.registerQueue({ name: EVENT_QUEUE }, { name: WEBHOOK_QUEUE }),
      ],
      controllers,
      providers: [
        JobRequestFactory,
        JobPlanner,
        JobStore,
        JobWaiters,
        JobsService,
        JobSubmission,
        NodeRegistry,
        CoordinatorHeartbeat,
        InFlightRequests,
        CoordinatorDrain,
        CoordinatorMetrics,
        TaskQueue,
        JobFinisher,
        JobAdvancer,
        TaskStartedHandler,
        TaskCompletedHandler,
        TaskFailedHandler,
        TaskEventsListener,
        StuckJobSweeper,
        JobChannelHub,
        WebhookAddressPolicy,
        WebhookTargets,
        WebhookSender,
        WebhookKeySlots,
        WebhookDispatcher,
        WebhookDeliveryProcessor,
        PlaygroundAssets,
        SnippetStore,
        SnippetsService,
        WebhookRenderers,
        CompatJobs,
        ApiKeys,
        KeyLimits,
        KeyTaskLedger,
        KeyAdmission,
        KeyTaskLedgerAudit,
        ...PISTON_PROVIDERS,
        ...JUDGE0_PROVIDERS,
      ],
    };
  }
}
