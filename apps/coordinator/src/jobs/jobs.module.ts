import { Module } from '@nestjs/common';
import { HttpEdgeModule } from '../http/http-edge.module';
import { MetricsModule } from '../metrics/metrics.module';
import { QueuesModule } from '../queues/queues.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { JobFinisher } from './job-finisher';
import { JobPlanner } from './job-planner';
import { JobRequestFactory } from './job-request.factory';
import { JobSubmission } from './job-submission';
import { JobWaiters } from './job-waiters';
import { JobsService } from './jobs.service';

/**
 * Jobs: a request validated and planned, admitted, stored and queued; read,
 * waited for and cancelled; ended (JobFinisher) with all that a finished job
 * still needs. Every way into Kiln's jobs (native, compat, snippets) goes
 * through what this module exports.
 */
@Module({
  imports: [HttpEdgeModule, MetricsModule, QueuesModule, TenancyModule, WebhooksModule],
  providers: [JobRequestFactory, JobPlanner, JobSubmission, JobsService, JobWaiters, JobFinisher],
  exports: [JobRequestFactory, JobSubmission, JobsService, JobFinisher, QueuesModule],
})
export class JobsModule {}
