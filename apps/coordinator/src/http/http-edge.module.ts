import { Module } from '@nestjs/common';
import { CoordinatorDrain } from './coordinator-drain';
import { InFlightRequests } from './in-flight-requests';
import { MethodNotAllowed } from './method-not-allowed';
import { WebSocketUpgrades } from './websocket-upgrades';

/**
 * The HTTP edge's state: the requests in flight, the graceful stop, the
 * WebSocket endpoints' upgrades (websocket-upgrades.ts) and the 405 for a
 * known path's other methods (method-not-allowed.ts: it must come after the
 * routes, which only a provider's start-up sees). The
 * rest of the edge (body checks, validation, the error shape, the host check)
 * is applied by coordinator.bootstrap.ts; every room may use its helpers.
 */
@Module({
  providers: [InFlightRequests, CoordinatorDrain, WebSocketUpgrades, MethodNotAllowed],
  exports: [InFlightRequests, CoordinatorDrain, WebSocketUpgrades],
})
export class HttpEdgeModule {}
