import { Module } from '@nestjs/common';
import { CoordinatorDrain } from './coordinator-drain';
import { InFlightRequests } from './in-flight-requests';
import { WebSocketUpgrades } from './websocket-upgrades';

/**
 * The HTTP edge's state: the requests in flight, the graceful stop and the
 * WebSocket endpoints' upgrades (websocket-upgrades.ts). The
 * rest of the edge (body checks, validation, the error shape, the host check)
 * is applied by coordinator.bootstrap.ts; every room may use its helpers.
 */
@Module({
  providers: [InFlightRequests, CoordinatorDrain, WebSocketUpgrades],
  exports: [InFlightRequests, CoordinatorDrain, WebSocketUpgrades],
})
export class HttpEdgeModule {}
