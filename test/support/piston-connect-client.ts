import WebSocket from 'ws';
import { eventually } from './waiting';

/** How a socket closed: the code and reason the server gave. */
export interface Closed {
  code: number;
  reason: string;
}

/**
 * A plain WebSocket client of Piston's /api/v2/connect, speaking only
 * Piston's messages (engineer-man/piston, api/src/api/v2.js): what a Piston
 * client does, written from its protocol, with no Kiln code. It keeps every
 * message the server sent, in order.
 */
export class PistonConnectClient {
  readonly messages: Record<string, unknown>[] = [];
  readonly closed: Promise<Closed>;
  /** The HTTP status when the server refused the upgrade. */
  readonly refused: Promise<number>;
  private readonly opened: Promise<void>;

  constructor(
    url: string,
    private readonly socket = new WebSocket(url),
  ) {
    this.opened = new Promise((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.refused = new Promise((resolve) => socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)));
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('message', (data) => this.messages.push(JSON.parse(data.toString())));
  }

  static withHeaders(url: string, headers: Record<string, string>): PistonConnectClient {
    return new PistonConnectClient(url, new WebSocket(url, { headers }));
  }

  open(): Promise<void> {
    return this.opened;
  }

  async send(message: object): Promise<void> {
    await this.opened;
    this.socket.send(JSON.stringify(message));
  }

  async sendRaw(text: string): Promise<void> {
    await this.opened;
    this.socket.send(text);
  }

  /** The first message (at or after `from`) that `accept` takes; fails loudly after `timeoutMs`. */
  async next(accept: (message: Record<string, unknown>) => boolean, what: string, timeoutMs = 10_000, from = 0): Promise<Record<string, unknown>> {
    const found = await eventually(async () => this.messages.slice(from).find(accept), (message) => message !== undefined, timeoutMs, () => `${what}; messages so far: ${JSON.stringify(this.messages)}`);
    return found!;
  }

  /** The stdout the server sent, joined. */
  stdout(): string {
    return this.output('stdout');
  }

  /** The stderr the server sent, joined. */
  stderr(): string {
    return this.output('stderr');
  }

  private output(stream: 'stdout' | 'stderr'): string {
    return this.messages.filter((message) => message.type === 'data' && message.stream === stream).map((message) => message.data).join('');
  }

  /** Waits for the close, failing loudly past `timeoutMs`. */
  async waitClosed(timeoutMs = 10_000): Promise<Closed> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the socket did not close within ${timeoutMs} ms; messages: ${JSON.stringify(this.messages)}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  terminate(): void {
    this.socket.terminate();
  }
}
