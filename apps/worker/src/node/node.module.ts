import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { MetricsModule } from '../metrics/metrics.module';
import { TasksModule } from '../tasks/tasks.module';
import { RuntimeWatchdog } from './runtime-watchdog';
import { WorkerHeartbeat } from './worker-heartbeat';
import { WorkerMetricsServer } from './worker-metrics.server';

/**
 * How the worker shows itself: its heartbeat to the cluster (with the
 * runtime's health, which pauses the task consumers while sandboxes cannot
 * be made), and /metrics and /health for Prometheus and orchestrators. It
 * sits above tasks/ (it reads the consumers' state); tasks/ knows nothing of it.
 */
@Module({
  imports: [IdentityModule, MetricsModule, TasksModule],
  providers: [WorkerHeartbeat, RuntimeWatchdog, WorkerMetricsServer],
})
export class NodeModule {}
