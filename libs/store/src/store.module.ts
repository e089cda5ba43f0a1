import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { bullRootModule, RedisModule } from '@kiln/redis';
import { ChannelSubscriptions } from './channel-subscriptions';
import { EVENT_QUEUE, WEBHOOK_QUEUE } from './queue-names';
import { BullQueues } from './queues/bull-queues';
import { EventQueueRepository } from './queues/event-queue.repository';
import { TaskQueueRepository } from './queues/task-queue.repository';
import { WebhookQueueRepository } from './queues/webhook-queue.repository';
import { RedisKeys } from './redis-keys';
import { CompileCacheRepository } from './repositories/compile-cache.repository';
import { JobEventsRepository } from './repositories/job-events.repository';
import { JobScratchRepository } from './repositories/job-scratch.repository';
import { JobSignalsRepository } from './repositories/job-signals.repository';
import { JobStdinRepository } from './repositories/job-stdin.repository';
import { JobRepository } from './repositories/job.repository';
import { Judge0SubmissionRepository } from './repositories/judge0-submission.repository';
import { KeyLedgerRepository } from './repositories/key-ledger.repository';
import { NodeRepository } from './repositories/node.repository';
import { RequestCountRepository } from './repositories/request-count.repository';
import { RunningShareRepository } from './repositories/running-share.repository';
import { SessionChannelRepository } from './repositories/session-channel.repository';
import { SessionRepository } from './repositories/session.repository';
import { SnippetRepository } from './repositories/snippet.repository';

const REPOSITORIES = [
  JobRepository,
  JobScratchRepository,
  JobEventsRepository,
  JobSignalsRepository,
  JobStdinRepository,
  CompileCacheRepository,
  KeyLedgerRepository,
  RunningShareRepository,
  RequestCountRepository,
  SnippetRepository,
  Judge0SubmissionRepository,
  NodeRepository,
  SessionRepository,
  SessionChannelRepository,
  TaskQueueRepository,
  EventQueueRepository,
  WebhookQueueRepository,
];

/**
 * Kiln's data, for every module of an application: one repository per kind
 * of data (docs/architecture.md, "The data model"). Nothing outside this
 * library holds a Redis client, a key name or a queue name of its own. The
 * queues with @Processor consumers (a coordinator's) are registered here, so
 * those consumers need only the queue's name.
 */
@Global()
@Module({
  imports: [RedisModule, bullRootModule(), BullModule.registerQueue({ name: EVENT_QUEUE }, { name: WEBHOOK_QUEUE })],
  providers: [
    { provide: RedisKeys, inject: [KilnConfig], useFactory: (config: KilnConfig) => new RedisKeys(config.redis.prefix) },
    ChannelSubscriptions,
    BullQueues,
    ...REPOSITORIES,
  ],
  exports: REPOSITORIES,
})
export class StoreModule {}
