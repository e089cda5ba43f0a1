import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { OrphanReaper } from './orphan-reaper';

/**
 * Removes what dead workers of the deployment left on the engine. Only the
 * Docker-backed tiers have one (runtime-choice.ts): it uses their engine
 * client and pool (DockerRuntimeModule exports them).
 */
@Module({ imports: [IdentityModule], providers: [OrphanReaper] })
export class ReaperModule {}
