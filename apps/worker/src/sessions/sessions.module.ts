import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { TasksModule } from '../tasks/tasks.module';
import { SessionCommandListener } from './session-command.listener';
import { SessionHost } from './session-host';
import { SessionRequests } from './session-requests';
import { SessionRuns } from './session-runs';

/**
 * Sessions (docs/sessions.md): the sandboxes this worker holds for them,
 * each a dedicated lease of the runtime, and the commands of the
 * coordinators that serve their API.
 */
@Module({
  imports: [IdentityModule, TasksModule],
  providers: [SessionHost, SessionRuns, SessionRequests, SessionCommandListener],
  exports: [SessionHost],
})
export class SessionsModule {}
