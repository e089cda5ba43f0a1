import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { MetricsModule } from '../metrics/metrics.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TasksModule } from '../tasks/tasks.module';
import { RuntimeWatchdog } from './runtime-watchdog';
import { WorkerHeartbeat } from './worker-heartbeat';
import { WorkerMetricsServer } from './worker-metrics.server';

/**
 * How the worker shows itself: its heartbeat to the cluster (with the
 * runtime's health, which pauses the task consumers while sandboxes cannot
 * be made), and /metrics and /health for Prometheus and orchestrators. It
 * sits above tasks/ and sessions/ (it reads their state); they know nothing of it.
 */
@Module({
  imports: [IdentityModule, MetricsModule, TasksModule, SessionsModule],
  providers: [WorkerHeartbeat, RuntimeWatchdog, WorkerMetricsServer],
})
export class NodeModule {}
