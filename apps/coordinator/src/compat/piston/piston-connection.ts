import { HttpException, Logger } from '@nestjs/common';
import type { RawData, WebSocket } from 'ws';
import { LimitsPolicy } from '@kiln/tasks';
import { Caller } from '../../auth/caller-identity';
import { Principal } from '../../auth/principal';
import { serverErrorOf } from '../../http/public-error';
import { INTERACTIVE_SIGNALS, InteractiveRun, InteractiveRunError, InteractiveRunStarter } from '../../interactive/interactive-run';
import { pistonMessageOf as pistonExceptionMessage } from './piston-exception.filter';
import { parsePistonExecution, PistonExecution } from './piston-execute.request';
import { pistonToNativeJob } from './piston-job.mapper';
import { pistonJobFailure } from './piston-result.mapper';
import { PistonRuntimes } from './piston-runtimes';
import { PISTON_INIT_TIMEOUT_MS, PISTON_SIGNALS, PistonClientMessage, PistonClose, PistonCloseReason, pistonMessageOf } from './piston-connect.messages';

/** What one connection needs of the coordinator. */
export interface PistonConnectionContext {
  starter: InteractiveRunStarter;
  runtimes: PistonRuntimes;
  limits: LimitsPolicy;
  /** Who the upgrade request says it is; with no key and keys on, the init's `key` decides (identifyKey). */
  caller: Caller;
  identifyKey(presented: string | null): Caller;
}

type Phase = 'waiting' | 'starting' | 'running' | 'closed';

const KILN_SIGNALS: ReadonlySet<string> = new Set(INTERACTIVE_SIGNALS);

/**
 * One client of /api/v2/connect, as Piston serves it: an `init` within a
 * second starts the job (Piston's checks and words, then Kiln's, as
 * /api/v2/execute does), `runtime` answers it, the run's stages, output and
 * exits follow, the client's stdin and signals go to the running program,
 * and the socket closes 4999 once the job completed. Every refusal closes
 * with Piston's code. Kiln adds what a shared service needs: a client that
 * goes away cancels its job (nobody can read it any more), and the job's own
 * limits end a client that stays and says nothing.
 */
export class PistonConnection {
  private readonly logger = new Logger('PistonConnect');
  private phase: Phase = 'waiting';
  private run?: Promise<InteractiveRun | null>;
  /** The client's stdin and signals, in order, each once the run exists. */
  private actions: Promise<void> = Promise.resolve();
  private readonly initTimer: NodeJS.Timeout;

  constructor(
    private readonly socket: WebSocket,
    private readonly context: PistonConnectionContext,
  ) {
    this.initTimer = setTimeout(() => this.phase === 'waiting' && this.close(PistonClose.initializationTimeout), PISTON_INIT_TIMEOUT_MS);
    socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    socket.on('close', () => this.closed());
    socket.on('error', () => this.closed());
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.phase === 'closed') return;
    let message: PistonClientMessage;
    try {
      message = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString());
    } catch (error) {
      return this.notify((error as Error).message);
    }
    if (message === null || typeof message !== 'object') return this.notify('a message must be a JSON object');
    switch (message.type) {
      case 'init':
        return this.init(message);
      case 'data':
        return this.data(message);
      case 'signal':
        return this.signal(message);
    }
  }

  private init(message: PistonClientMessage): void {
    if (this.phase !== 'waiting') return this.close(PistonClose.alreadyInitialized);
    const caller = this.context.caller.refusal ? this.context.identifyKey(typeof message.key === 'string' ? message.key : null) : this.context.caller;
    if (caller.refusal) return this.notify(caller.refusal);
    let execution: PistonExecution;
    try {
      execution = parsePistonExecution(message, this.context.runtimes, this.context.limits);
    } catch (error) {
      return this.notify(this.messageOf(error));
    }
    this.phase = 'starting';
    clearTimeout(this.initTimer);
    this.run = this.start(execution, { keyId: caller.keyId });
  }

  private async start(execution: PistonExecution, principal: Principal): Promise<InteractiveRun | null> {
    let run: InteractiveRun;
    try {
      run = await this.context.starter.start(interactiveRequest(execution), principal);
    } catch (error) {
      this.notify(this.messageOf(error));
      return null;
    }
    if (this.phase === 'closed') {
      await run.cancel().catch(() => undefined);
      return null;
    }
    this.phase = 'running';
    this.send({ type: 'runtime', language: execution.runtime.language, version: execution.runtime.version });
    void this.relay(run);
    return run;
  }

  /** The run's events as Piston's messages; `done` closes the socket. Once it is closed, nobody listens: the iteration stops (the job was cancelled). */
  private async relay(run: InteractiveRun): Promise<void> {
    try {
      for await (const event of run.events) {
        if (this.phase === 'closed') return;
        if (event.type === 'done') {
          const failure = pistonJobFailure(event.job);
          return failure ? this.notify(failure.message) : this.close(PistonClose.jobCompleted);
        }
        const message = pistonMessageOf(event);
        if (message) this.send(message);
      }
      this.notify('the job\'s events ended before the job did');
    } catch (error) {
      if (this.phase === 'closed') return;
      this.logger.error(`interactive run ${run.id}: ${(error as Error)?.stack ?? String(error)}`);
      this.notify(this.messageOf(error));
    }
  }

  private data(message: PistonClientMessage): void {
    if (this.phase === 'waiting') return this.close(PistonClose.notYetInitialized);
    if (message.stream !== 'stdin') return this.close(PistonClose.onlyStdin);
    if (typeof message.data !== 'string') return this.notify('data must be a string');
    const data = message.data;
    this.act((run) => run.writeStdin(data));
  }

  /** Piston's names are accepted; those Linux has not (SIGEMT, SIGINFO, SIGLOST, SIGUNUSED), which a Kiln run does not take, change nothing. */
  private signal(message: PistonClientMessage): void {
    if (this.phase === 'waiting') return this.close(PistonClose.notYetInitialized);
    const name = message.signal;
    if (typeof name !== 'string' || !PISTON_SIGNALS.has(name)) return this.close(PistonClose.invalidSignal);
    if (KILN_SIGNALS.has(name)) this.act((run) => run.signal(name));
  }

  private act(action: (run: InteractiveRun) => Promise<void>): void {
    const run = this.run!;
    this.actions = this.actions
      .then(async () => {
        const started = await run;
        if (started && this.phase !== 'closed') await action(started);
      })
      .catch((error) => this.notify(this.messageOf(error)));
  }

  /** Piston's way to report an error: the message over the socket, then close 4002. */
  private notify(message: string): void {
    this.send({ type: 'error', message });
    this.close(PistonClose.notifiedError);
  }

  private send(message: object): void {
    if (this.phase !== 'closed' && this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private close({ code, reason }: PistonCloseReason): void {
    if (this.phase === 'closed') return;
    this.socket.close(code, reason);
    this.closed();
  }

  /** However the socket ends, a job that has not ended is cancelled: its client is gone. */
  private closed(): void {
    if (this.phase === 'closed') return;
    const live = this.phase === 'starting' || this.phase === 'running';
    this.phase = 'closed';
    clearTimeout(this.initTimer);
    if (live) void this.run?.then((run) => run?.cancel()).catch(() => undefined);
  }

  private messageOf(error: unknown): string {
    if (error instanceof HttpException) return pistonExceptionMessage(error);
    if (error instanceof InteractiveRunError) return error.message;
    this.logger.error(`unexpected error: ${(error as Error)?.stack ?? String(error)}`);
    return serverErrorOf(error).message;
  }
}

/**
 * The native request of an interactive job: /api/v2/execute's mapping
 * without its stdin (the client writes it; Piston's /connect ignores the
 * init's `stdin` too) and with the streams kept apart, as /connect sends
 * them.
 */
function interactiveRequest(execution: PistonExecution): object {
  const { stdin: _stdin, combinedOutput: _combined, ...request } = pistonToNativeJob(execution) as Record<string, unknown>;
  return request;
}
