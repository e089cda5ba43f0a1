import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { KilnConfig } from '@kiln/config';
import { SessionAnswer, SessionChannelRepository } from '@kiln/store';
import { SessionCommand, SessionMessage } from '@kiln/tasks';

/** The worker instance a call goes to. */
export interface SessionWorker {
  workerId: string;
  workerInstance: string;
}

export type OutputHandler = (stage: 'compile' | 'run', stream: 'stdout' | 'stderr', data: Buffer) => void;

export interface CallOptions {
  /** Bytes that go with the command (an upload). */
  upload?: Buffer;
  /** A run's output as it comes (the worker then streams it). */
  onOutput?: OutputHandler;
  /** However busy the worker says it is, no answer after this long is a silent worker too. */
  maxWaitMs: number;
}

/** Nobody listens on the worker instance's channel: it is gone (or not taking sessions). */
export class SessionWorkerGoneError extends Error {}
/** The worker took no command, or stopped saying it is at it, for coordinator.sessions.workerTimeoutMs. */
export class SessionWorkerSilentError extends Error {}
/** This coordinator stops: it waits for no answer any more (the request gets a 503). */
export class SessionCallsClosedError extends Error {}

interface Pending {
  heardAt: number;
  onOutput?: OutputHandler;
  settle: (outcome: { answer: SessionAnswer } | { error: Error }) => void;
}

/**
 * Calls to the worker that holds a session (libs/store's session channels):
 * a command, then the worker's word that it is at it every beat, its live
 * output, its answer. A worker nobody hears (its channel has no listener,
 * or it fell silent for coordinator.sessions.workerTimeoutMs) fails the
 * call within that time: a request to a dead worker never hangs.
 */
@Injectable()
export class SessionCalls implements OnApplicationBootstrap, OnModuleDestroy {
  /** This coordinator process's channel for the answers. */
  readonly instance = randomBytes(8).toString('hex');
  private readonly pending = new Map<string, Pending>();
  private stop?: () => Promise<void>;

  constructor(
    private readonly channel: SessionChannelRepository,
    private readonly config: KilnConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.stop = await this.channel.onMessages(this.instance, (message) => this.heard(message));
  }

  /** Nothing waits past the coordinator's end: every call still waiting fails now. */
  async onModuleDestroy(): Promise<void> {
    for (const pending of [...this.pending.values()]) pending.settle({ error: new SessionCallsClosedError('this coordinator is stopping') });
    await this.stop?.();
  }

  call(worker: SessionWorker, command: SessionCommand, options: CallOptions): Promise<SessionAnswer> {
    const silenceMs = this.config.coordinator.sessions.workerTimeoutMs;
    const requestId = randomBytes(12).toString('base64url');
    const envelope = {
      requestId,
      replyTo: this.instance,
      deadline: Date.now() + silenceMs,
      beatMs: Math.max(100, Math.floor(silenceMs / 4)),
      ...(options.onOutput ? { stream: true } : {}),
      command,
    };
    return new Promise<SessionAnswer>((resolve, reject) => {
      const startedAt = Date.now();
      let watch: NodeJS.Timeout | undefined = undefined;
      const settle = (outcome: { answer: SessionAnswer } | { error: Error }) => {
        if (!this.pending.delete(requestId)) return;
        clearInterval(watch);
        if ('answer' in outcome) resolve(outcome.answer);
        else reject(outcome.error);
      };
      const pending: Pending = { heardAt: startedAt, onOutput: options.onOutput, settle };
      this.pending.set(requestId, pending);
      watch = setInterval(() => void this.check(requestId, pending, worker, startedAt, options.maxWaitMs), Math.min(250, Math.ceil(silenceMs / 4)));
      watch.unref();
      this.channel.sendCommand(worker.workerInstance, envelope, options.upload).then(
        (listeners) => {
          if (listeners === 0) settle({ error: new SessionWorkerGoneError(`worker ${worker.workerId} does not listen for its sessions any more`) });
        },
        (error: Error) => settle({ error }),
      );
    });
  }

  private heard(message: SessionMessage): void {
    const pending = this.pending.get(message.requestId);
    if (!pending) return;
    pending.heardAt = Date.now();
    if (message.type === 'output') pending.onOutput?.(message.stage, message.stream, Buffer.from(message.dataBase64, 'base64'));
    if (message.type === 'done') void this.collect(message.requestId, pending);
  }

  private async collect(requestId: string, pending: Pending): Promise<void> {
    try {
      const answer = await this.channel.takeAnswer(requestId);
      if (answer) pending.settle({ answer });
    } catch (error) {
      pending.settle({ error: error as Error });
    }
  }

  /** Past the silence (or the most it may take): its answer may be there without its message (a lost one); else it failed. */
  private async check(requestId: string, pending: Pending, worker: SessionWorker, startedAt: number, maxWaitMs: number): Promise<void> {
    const now = Date.now();
    const silence = this.config.coordinator.sessions.workerTimeoutMs;
    if (now - pending.heardAt <= silence && now - startedAt <= maxWaitMs) return;
    const answer = await this.channel.takeAnswer(requestId).catch(() => null);
    if (answer) return pending.settle({ answer });
    const quiet = now - pending.heardAt > silence;
    const why = quiet ? `did not answer within ${silence} ms (coordinator.sessions.workerTimeoutMs)` : `did not finish within ${maxWaitMs} ms`;
    pending.settle({ error: new SessionWorkerSilentError(`worker ${worker.workerId} ${why}`) });
  }
}
