import { Module } from '@nestjs/common';
import { CoordinatorHeartbeat } from './coordinator-heartbeat';
import { NodeRegistry } from './node-registry';

/** The cluster as the heartbeats tell it (GET /nodes, /health, admission), and this coordinator's own beat. */
@Module({
  providers: [NodeRegistry, CoordinatorHeartbeat],
  exports: [NodeRegistry],
})
export class NodesModule {}
