import { Module } from '@nestjs/common';
import { WorkerIdentity } from './worker-identity';

/** Who this worker is: every room may know it, it knows no room. */
@Module({ providers: [WorkerIdentity], exports: [WorkerIdentity] })
export class IdentityModule {}
