import { Module } from '@nestjs/common';
import { CoordinatorMetrics } from './coordinator-metrics';

/** The coordinator's Prometheus registry; the other rooms count into it. */
@Module({
  providers: [CoordinatorMetrics],
  exports: [CoordinatorMetrics],
})
export class MetricsModule {}
