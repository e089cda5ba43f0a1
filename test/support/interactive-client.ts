import { WebSocket } from 'ws';
import { WaitTimeout } from './waiting';

/** What the interactive endpoint sends (README, "Interactive runs"). */
export interface InteractiveMessage {
  type: string;
  [field: string]: unknown;
}

/**
 * A plain WebSocket client of the native interactive endpoint, as a test
 * drives it: it keeps every message it hears, in order, and waits for one
 * (or for the close) with a timeout that fails loudly.
 */
export class InteractiveClient {
  readonly messages: InteractiveMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as InteractiveMessage);
      this.waiters.splice(0).forEach((wake) => wake());
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    void this.closed.then(() => this.waiters.splice(0).forEach((wake) => wake()));
  }

  /** Connects to the endpoint at `path` of the Kiln at `baseUrl` (its http URL; headers: e.g. X-Kiln-Key). */
  static connect(baseUrl: string, headers: Record<string, string> = {}, path = '/interactive'): Promise<InteractiveClient> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}`, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new InteractiveClient(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`the upgrade was answered ${response.statusCode}`)));
    });
  }

  send(message: object | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The output of one stream so far. */
  text(stream = 'stdout'): string {
    return this.messages.filter((m) => m.type === 'data' && m.stream === stream).map((m) => m.data as string).join('');
  }

  /** Waits until `accept` holds of the messages so far (checked on each new one). */
  async until(accept: (messages: InteractiveMessage[]) => boolean, timeoutMs: number, what: string): Promise<InteractiveMessage[]> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.closed.then(() => (ended = true));
    while (!accept(this.messages)) {
      const left = deadline - Date.now();
      if (left <= 0 || ended) throw new WaitTimeout(`${what}${ended ? ' (the socket closed)' : ''}`, timeoutMs, this.messages);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
    return this.messages;
  }

  /** The message of this type, once it has come. */
  async next(type: string, timeoutMs: number): Promise<InteractiveMessage> {
    await this.until((messages) => messages.some((m) => m.type === type), timeoutMs, `a ${type} message`);
    return this.messages.find((m) => m.type === type)!;
  }

  async closedWithin(timeoutMs: number): Promise<{ code: number; reason: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the socket did not close within ${timeoutMs} ms`)), timeoutMs)));
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** The Python program of acceptance 1: a prompt, a line read, a greeting. */
export const GREETER = 'name = input("name? ")\nprint("hello, " + name)';
