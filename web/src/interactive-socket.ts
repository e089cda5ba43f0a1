import { KilnApiError, type ApiErrorBody, type JobRequest, type JobView } from '@kiln/client';

/**
 * The native interactive-run WebSocket as the page speaks it: the job
 * request (and the API key: a browser cannot set headers on a WebSocket) in
 * the first message; then the run's events from the server — a stage began,
 * a chunk of output, a stage ended, the finished job — and the user's stdin,
 * its end and cancel from the page. The wire is the interactive room's
 * (apps/coordinator/src/interactive/); this file is the page's one copy of it.
 */
export const INTERACTIVE_PATH = '/interactive';

export type InteractiveEvent =
  | { type: 'job'; id: string }
  | { type: 'stage'; stage: 'compile' | 'run' }
  | { type: 'data'; stream: 'stdout' | 'stderr'; data: string }
  | { type: 'exit'; stage: 'compile' | 'run'; code: number | null; signal: string | null; status: string }
  | { type: 'done'; job: JobView };

/** What the server says before it closes a socket it refuses: the API's error body. */
type ErrorMessage = { type: 'error' } & ApiErrorBody;

/** The socket broke, or the server ended it for a reason that is not the request's. */
export class InteractiveRunFailed extends Error {}

/** Not served here (an older Kiln, the interactive group switched off): the page runs the job the other way. */
export class InteractiveUnavailable extends Error {}

export class InteractiveSocket {
  private readonly queue: (InteractiveEvent | Error | null)[] = [];
  private wake: (() => void) | null = null;
  private refusal: ErrorMessage | null = null;

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (message) => {
      const event = parse(message.data);
      if (!(event instanceof Error) && (event as { type: string }).type === 'error') this.refusal = event as unknown as ErrorMessage;
      else this.push(event);
    });
    socket.addEventListener('close', (event) => this.push(event.code === 1000 ? null : this.failure(event)));
  }

  /**
   * Why the socket closed early: an `error` message came first (its close code
   * is 4000 + the HTTP status POST /jobs would answer: a KilnApiError, so a
   * 401 opens the key box as for any call), or the connection broke.
   */
  private failure(event: CloseEvent): Error {
    const { type: _type, ...body } = this.refusal ?? { type: 'error', error: '' };
    const status = event.code - 4000;
    if (this.refusal && status >= 400 && status < 600) return new KilnApiError(status, body);
    return new InteractiveRunFailed(body.error || event.reason || `the connection closed (${event.code})`);
  }

  /** Opens the socket and starts the run; InteractiveUnavailable when the server has no such endpoint. */
  static open(request: JobRequest, key: string | null): Promise<InteractiveSocket> {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}${INTERACTIVE_PATH}`);
    return new Promise((resolve, reject) => {
      socket.addEventListener('open', () => {
        socket.send(JSON.stringify({ type: 'start', job: request, ...(key ? { key } : {}) }));
        resolve(new InteractiveSocket(socket));
      }, { once: true });
      socket.addEventListener('error', () => reject(new InteractiveUnavailable('this Kiln serves no interactive runs')), { once: true });
    });
  }

  /** The run's events in order; ends after `done`. */
  async *events(): AsyncGenerator<InteractiveEvent> {
    for (;;) {
      while (!this.queue.length) await new Promise<void>((resolve) => (this.wake = resolve));
      const next = this.queue.shift()!;
      if (next === null) return;
      if (next instanceof Error) throw next;
      yield next;
      if (next.type === 'done') return;
    }
  }

  write(data: string): void {
    this.send({ type: 'stdin', data });
  }

  endInput(): void {
    this.send({ type: 'eof' });
  }

  cancel(): void {
    this.send({ type: 'cancel' });
  }

  private send(message: object): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private push(item: InteractiveEvent | Error | null): void {
    this.queue.push(item);
    this.wake?.();
    this.wake = null;
  }
}

function parse(data: unknown): InteractiveEvent | Error {
  try {
    return JSON.parse(String(data)) as InteractiveEvent;
  } catch {
    return new InteractiveRunFailed('the server sent a message that is not JSON');
  }
}
