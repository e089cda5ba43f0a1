import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { SessionChannelRepository } from '@kiln/store';
import { SessionCommandEnvelope, SessionReply } from '@kiln/tasks';
import { WorkerIdentity } from '../identity/worker-identity';
import { SessionError } from './session-error';
import { SessionOutputRelay } from './session-output-relay';
import { RequestOutcome, SessionRequests } from './session-requests';

/**
 * Hears the commands for this worker instance's sessions (a channel of its
 * own: a restarted worker hears none of its predecessor's) and answers each:
 * at once that it took it, then every beatMs that it is still at it (the
 * coordinator takes a silent worker for gone), then the answer. A command
 * whose asker stopped waiting (its deadline) is not done at all.
 */
@Injectable()
export class SessionCommandListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SessionCommandListener.name);
  private stop?: () => Promise<void>;

  constructor(
    private readonly channel: SessionChannelRepository,
    private readonly requests: SessionRequests,
    private readonly identity: WorkerIdentity,
    private readonly config: KilnConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.worker.sessions.max === 0) return;
    this.stop = await this.channel.onCommands(this.identity.instance, (envelope) => void this.serve(envelope));
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop?.();
  }

  private async serve(envelope: SessionCommandEnvelope): Promise<void> {
    const { requestId, replyTo } = envelope;
    if (Date.now() > envelope.deadline) return;
    const working = () => void this.channel.say(replyTo, { type: 'working', requestId }).catch(() => undefined);
    working();
    const beat = setInterval(working, envelope.beatMs);
    const relay = envelope.stream ? new SessionOutputRelay(this.channel, replyTo, requestId) : undefined;
    let outcome: RequestOutcome = {};
    let reply: SessionReply;
    try {
      outcome = await this.requests.serve(envelope.command, { upload: () => this.channel.takeUpload(requestId), live: relay?.listener });
      reply = { ok: true, value: outcome.value };
    } catch (error) {
      reply = this.refusal(envelope, error);
    } finally {
      clearInterval(beat);
    }
    await relay?.close();
    await this.channel.answer(replyTo, requestId, reply, outcome.download).catch((error: Error) => {
      this.logger.warn(`could not answer session request ${requestId}: ${error.message}`);
    });
  }

  private refusal(envelope: SessionCommandEnvelope, error: unknown): SessionReply {
    if (error instanceof SessionError) return { ok: false, code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) };
    this.logger.error(`session request ${envelope.command.kind} failed: ${(error as Error)?.stack ?? String(error)}`);
    return { ok: false, code: 'failed', message: `the worker could not ${envelope.command.kind} (Kiln's own failure; see the worker's log)` };
  }
}
