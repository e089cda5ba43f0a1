import { Module } from '@nestjs/common';
import { CompatModule } from '../compat.module';
import { PistonExecutionService } from './piston-execution.service';
import { PistonRuntimes } from './piston-runtimes';

/** Piston v2 compatibility (docs/compat-piston.md). */
@Module({
  imports: [CompatModule],
  providers: [PistonRuntimes, PistonExecutionService],
  exports: [PistonRuntimes, PistonExecutionService],
})
export class PistonModule {}
