import { Module } from '@nestjs/common';
import { WorkerMetrics } from './worker-metrics';

/** The worker's metrics registry: every room records into it; node/ serves it. */
@Module({ providers: [WorkerMetrics], exports: [WorkerMetrics] })
export class MetricsModule {}
