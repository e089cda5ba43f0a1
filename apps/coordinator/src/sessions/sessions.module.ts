import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { SessionCalls } from './session-calls';
import { SessionPlacement } from './session-placement';
import { SessionRequestFactory } from './session-request.factory';
import { SessionSweeper } from './session-sweeper';
import { SessionsService } from './sessions.service';

/**
 * Sessions (docs/sessions.md): their requests checked, placed on a worker
 * with room, carried to the worker that holds each one and answered; the
 * sweeper ends those whose worker is gone.
 */
@Module({
  imports: [NodesModule],
  providers: [SessionRequestFactory, SessionPlacement, SessionCalls, SessionsService, SessionSweeper],
  exports: [SessionsService],
})
export class SessionsModule {}
