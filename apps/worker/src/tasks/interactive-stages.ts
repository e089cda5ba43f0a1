import { Injectable } from '@nestjs/common';
import { JobEventsRepository, JobStdinRepository, LiveInputReader } from '@kiln/store';
import { InteractiveStageName, StageResult } from '@kiln/tasks';
import { LiveControl, LiveInput } from '../agent/agent-session';

/** How long one blocking read of the job's stdin stream waits before it looks again whether the exec still runs. */
const READ_BLOCK_MS = 1000;

/**
 * What an interactive job's worker does beside an ordinary run: it relays the
 * job's stdin stream (libs/store JobStdinRepository: what the client sent
 * over the coordinator's WebSocket, before or while the program runs) to the
 * running exec, and logs when each stage's program starts and how it ended
 * in the job's event log, where the WebSocket hears it. Live stdin is a
 * convenience of the client's: a stream that cannot be read ends the relay,
 * never the run, which its own limits end.
 */
@Injectable()
export class InteractiveStages {
  constructor(
    private readonly log: JobEventsRepository,
    private readonly stdin: JobStdinRepository,
  ) {}

  /** The job's stdin stream as an exec's live input. */
  liveInput(jobId: string): LiveInput {
    return {
      attach: (control) => {
        const reader = this.stdin.reader(jobId);
        let attached = true;
        void relay(reader, control, () => attached);
        return () => {
          attached = false;
          void reader.close();
        };
      },
    };
  }

  /** Before the stage's program starts: awaited, so it comes before the stage's output in the log. */
  async began(jobId: string, task: string, stage: InteractiveStageName): Promise<void> {
    await this.log.append(jobId, { type: 'stage', task, stage }).catch(() => undefined);
  }

  /** After the stage's output is in the log. */
  async ended(jobId: string, task: string, stage: InteractiveStageName, result: StageResult): Promise<void> {
    const exit = { type: 'exit' as const, task, stage, exitCode: result.exitCode, signal: result.signal, verdict: result.verdict };
    await this.log.append(jobId, exit).catch(() => undefined);
  }
}

async function relay(reader: LiveInputReader, control: LiveControl, attached: () => boolean): Promise<void> {
  while (attached()) {
    for (const entry of await reader.next(READ_BLOCK_MS)) {
      if (!attached()) return;
      if (entry.type === 'data') control.write(entry.data);
      else if (entry.type === 'end') control.end();
      else control.signal(entry.signal);
    }
  }
}
