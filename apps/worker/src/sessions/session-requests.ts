import { Injectable } from '@nestjs/common';
import { SessionCommand } from '@kiln/tasks';
import { SessionError } from './session-error';
import { SessionHost } from './session-host';
import { LiveOutput, SessionRuns } from './session-runs';

export interface RequestContext {
  /** The bytes sent with the request (an upload), taken once. */
  upload: () => Promise<Buffer | null>;
  /** Where a run's output goes as it comes, when its client streams it. */
  live?: LiveOutput;
}

export interface RequestOutcome {
  value?: unknown;
  /** Bytes of the answer (a download). */
  download?: Buffer;
}

/** One command of a coordinator, done by the session it names. */
@Injectable()
export class SessionRequests {
  constructor(
    private readonly host: SessionHost,
    private readonly runs: SessionRuns,
  ) {}

  async serve(command: SessionCommand, context: RequestContext): Promise<RequestOutcome> {
    switch (command.kind) {
      case 'create':
        return { value: await this.host.create(command.session, command.files) };
      case 'close':
        if (!(await this.host.end(command.sessionId, 'closed', 'it was closed (DELETE)'))) this.host.get(command.sessionId);
        return {};
      case 'run':
        return { value: await this.host.serve(command.sessionId, (held) => this.runs.run(held, command.run, context.live)) };
      case 'put-file': {
        const upload = await context.upload();
        if (!upload) throw new SessionError('failed', 'the upload was not found beside the request (it expired)');
        await this.host.serve(command.sessionId, (held) => held.workspace.put(command.path, upload));
        return { value: { path: command.path, size: upload.length } };
      }
      case 'get-file':
        return { download: await this.host.serve(command.sessionId, (held) => held.workspace.get(command.path, command.maxBytes)) };
      case 'list-files':
        return { value: await this.host.serve(command.sessionId, (held) => held.workspace.list(command.path)) };
      case 'delete-file':
        await this.host.serve(command.sessionId, (held) => held.workspace.remove(command.path));
        return {};
    }
  }
}
