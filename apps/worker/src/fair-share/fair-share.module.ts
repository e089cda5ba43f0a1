import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { QueueSlots } from './queue-slots';
import { RunningShare } from './running-share';

/** worker.perKey.runningShare: the running slots one API key may hold on a queue. */
@Module({ imports: [IdentityModule], providers: [QueueSlots, RunningShare], exports: [RunningShare] })
export class FairShareModule {}
