import { Module } from '@nestjs/common';
import { CancelListener } from './cancel.listener';

/** A cancelled job's sandboxes on this worker are killed at once (through the runtime). */
@Module({ providers: [CancelListener] })
export class CancellationModule {}
