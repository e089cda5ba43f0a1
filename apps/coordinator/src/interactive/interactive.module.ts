import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { HttpEdgeModule } from '../http/http-edge.module';
import { JobsModule } from '../jobs/jobs.module';
import { InteractiveGateway } from './interactive.gateway';
import { InteractiveRuns } from './interactive-runs';

/**
 * Interactive runs: InteractiveRuns (the service every interactive endpoint
 * uses: the native WebSocket here, Piston's /api/v2/connect) and the native
 * WebSocket at /interactive.
 */
@Module({
  imports: [HttpEdgeModule, AuthModule, JobsModule],
  providers: [InteractiveRuns, InteractiveGateway],
  exports: [InteractiveRuns],
})
export class InteractiveModule {}
