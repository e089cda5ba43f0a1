import { HttpException } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import { ApiKeys } from '../auth/api-keys';
import { keyOf } from '../auth/caller-identity';
import { Principal } from '../auth/principal';
import { InteractiveRun, InteractiveRunError, InteractiveRunStarter } from './interactive-run';

/** Close codes: 1000 after `done`; 4000 + the HTTP status POST /jobs would answer (4400, 4401, 4429, 4503); 4408 no request in time. */
export const CLOSE_DONE = 1000;
export const CLOSE_INTERNAL = 1011;
export const CLOSE_BAD_MESSAGE = 4400;
export const CLOSE_NO_START = 4408;

const KEY_REQUIRED = 'an API key is required: send X-Kiln-Key or Authorization: Bearer with the upgrade, or "key" in the start message';

/** One message of the client's, as it is allowed to be. */
type ClientMessage =
  | { type: 'start'; job: unknown; key?: string }
  | { type: 'stdin'; data: string }
  | { type: 'eof' }
  | { type: 'signal'; signal: string }
  | { type: 'cancel' };

/** Why a message was refused; the socket then closes with CLOSE_BAD_MESSAGE. */
class BadMessage extends Error {}

/**
 * One client of the native interactive endpoint (README, "Interactive
 * runs"): its first message starts the job, the next ones are its stdin,
 * the end of it, signals or a cancel; it hears the run's events as JSON
 * messages and the socket closes after `done`. Anything it sends wrong is
 * answered with an `error` message naming what, then the close; a client
 * that goes away before `done` cancels its job (nobody could send it stdin
 * any more). Nothing a client sends is thrown out of here.
 */
export class InteractiveSocket {
  private run: InteractiveRun | null = null;
  private starting = false;
  private closed = false;
  private readonly startTimer: NodeJS.Timeout;

  constructor(
    private readonly socket: WebSocket,
    private readonly request: IncomingMessage,
    private readonly runs: InteractiveRunStarter,
    private readonly keys: ApiKeys,
    startTimeoutMs: number,
  ) {
    this.startTimer = setTimeout(() => this.refuse(CLOSE_NO_START, `no start message within ${startTimeoutMs} ms`), startTimeoutMs);
    socket.on('message', (data, isBinary) => void this.onMessage(data, isBinary));
    socket.on('close', () => this.onClose());
    socket.on('error', () => this.onClose());
  }

  private async onMessage(data: RawData, isBinary: boolean): Promise<void> {
    try {
      const message = parseMessage(data, isBinary);
      if (message.type === 'start') await this.start(message);
      else await this.relay(message);
    } catch (error) {
      this.onError(error);
    }
  }

  private async start(message: Extract<ClientMessage, { type: 'start' }>): Promise<void> {
    if (this.run || this.starting) throw new BadMessage('the job was already started');
    this.starting = true;
    clearTimeout(this.startTimer);
    const principal = this.principalOf(message.key);
    if (!principal) return;
    const run = await this.runs.start(message.job, principal);
    this.run = run;
    if (this.closed) {
      await run.cancel();
      return;
    }
    this.send({ type: 'job', id: run.id });
    void this.forward(run);
  }

  private async relay(message: Exclude<ClientMessage, { type: 'start' }>): Promise<void> {
    const run = this.run;
    if (!run) throw new BadMessage(`a ${message.type} message before the job was started (send {"type":"start","job":{...}} first)`);
    if (message.type === 'stdin') await run.writeStdin(message.data);
    else if (message.type === 'eof') await run.closeStdin();
    else if (message.type === 'signal') await run.signal(message.signal);
    else await run.cancel();
  }

  /** The run's events, as they come, then the close. */
  private async forward(run: InteractiveRun): Promise<void> {
    try {
      for await (const event of run.events) this.send(event);
      this.close(CLOSE_DONE, 'job completed');
    } catch {
      this.refuse(CLOSE_INTERNAL, 'the job’s events could not be read; GET /jobs/:id has its result');
    }
  }

  /** The caller's principal (the key from the upgrade's headers, else the start message's); null after refusing. */
  private principalOf(messageKey: string | undefined): Principal | null {
    if (!this.keys.enabled) return { keyId: null };
    const key = keyOf(this.request as never) ?? messageKey ?? null;
    const keyId = key ? this.keys.identify(key) : null;
    if (keyId) return { keyId };
    this.refuse(4401, key ? 'unknown API key' : KEY_REQUIRED);
    return null;
  }

  private onError(error: unknown): void {
    if (error instanceof BadMessage) return this.refuse(CLOSE_BAD_MESSAGE, error.message);
    if (error instanceof InteractiveRunError) return this.refuse(CLOSE_BAD_MESSAGE, error.message, { code: error.code });
    if (error instanceof HttpException) {
      const body = error.getResponse();
      const { error: text, ...rest } = typeof body === 'object' ? (body as { error?: string }) : { error: String(body) };
      return this.refuse(4000 + error.getStatus(), text ?? error.message, rest);
    }
    this.refuse(CLOSE_INTERNAL, 'internal error');
  }

  /** An `error` message, then the close (and the job's cancel, by onClose). */
  private refuse(code: number, message: string, extra: object = {}): void {
    this.send({ type: 'error', error: message, ...extra });
    this.close(code, message);
  }

  private send(message: object): void {
    if (!this.closed && this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.startTimer);
    // A close reason is at most 123 bytes.
    this.socket.close(code, Buffer.from(reason).subarray(0, 123).toString());
    void this.cancelUnfinished();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.startTimer);
    void this.cancelUnfinished();
  }

  private async cancelUnfinished(): Promise<void> {
    await this.run?.cancel().catch(() => undefined);
  }
}

function parseMessage(data: RawData, isBinary: boolean): ClientMessage {
  if (isBinary) throw new BadMessage('messages are JSON text, not binary');
  let message: unknown;
  try {
    message = JSON.parse(data.toString());
  } catch {
    throw new BadMessage('a message is not JSON');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new BadMessage('a message must be a JSON object');
  const { type } = message as { type?: unknown };
  const fields = message as Record<string, unknown>;
  switch (type) {
    case 'start':
      if (fields.key !== undefined && typeof fields.key !== 'string') throw new BadMessage('start: "key" must be a string');
      if (fields.job === undefined) throw new BadMessage('start: "job" (the job request, as POST /jobs takes it) is missing');
      return { type, job: fields.job, key: fields.key as string | undefined };
    case 'stdin':
      if (typeof fields.data !== 'string') throw new BadMessage('stdin: "data" must be a string');
      return { type, data: fields.data };
    case 'signal':
      if (typeof fields.signal !== 'string') throw new BadMessage('signal: "signal" must be a signal name such as "SIGINT"');
      return { type, signal: fields.signal };
    case 'eof':
    case 'cancel':
      return { type };
    default:
      throw new BadMessage(`unknown message type ${JSON.stringify(type ?? null)}: start, stdin, eof, signal or cancel`);
  }
}
