import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/auth.module';
import { HttpEdgeModule } from '../../http/http-edge.module';
import { InteractiveModule } from '../../interactive/interactive.module';
import { InteractiveRuns } from '../../interactive/interactive-runs';
import { CompatModule } from '../compat.module';
import { PISTON_RUN_STARTER, PistonConnectGateway } from './piston-connect.gateway';
import { PistonExecutionService } from './piston-execution.service';
import { PistonNotFound } from './piston-not-found';
import { PistonRuntimes } from './piston-runtimes';

/** Piston v2 compatibility (docs/compat-piston.md): its HTTP routes' services and its WebSocket, /api/v2/connect. */
@Module({
  imports: [CompatModule, HttpEdgeModule, AuthModule, InteractiveModule],
  providers: [PistonRuntimes, PistonExecutionService, PistonConnectGateway, PistonNotFound, { provide: PISTON_RUN_STARTER, useExisting: InteractiveRuns }],
  exports: [PistonRuntimes, PistonExecutionService],
})
export class PistonModule {}
