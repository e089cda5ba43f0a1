import { Module } from '@nestjs/common';
import { CoordinatorDrain } from './coordinator-drain';
import { InFlightRequests } from './in-flight-requests';

/**
 * The HTTP edge's state: the requests in flight and the graceful stop. The
 * rest of the edge (body checks, validation, the error shape, the host check)
 * is applied by coordinator.bootstrap.ts; every room may use its helpers.
 */
@Module({
  providers: [InFlightRequests, CoordinatorDrain],
  exports: [InFlightRequests, CoordinatorDrain],
})
export class HttpEdgeModule {}
