import { JobState, JobView, Verdict } from '@kiln/tasks';
import { Principal } from '../../apps/coordinator/src/auth/principal';
import {
  INTERACTIVE_SIGNALS,
  InteractiveEvent,
  InteractiveRun,
  InteractiveRunError,
  InteractiveRunStarter,
  InteractiveStage,
} from '../../apps/coordinator/src/interactive/interactive-run';

/**
 * A stand-in for the interactive room's service (InteractiveRuns) where the
 * logic under test is a client's protocol (Piston's /api/v2/connect), not the
 * run: each started run is a FakeProgram — a function that writes output,
 * reads stdin lines and waits for signals — and every call a client's
 * adapter makes is recorded. The real service is the system tier's.
 */
export interface FakeProgramIo {
  request: Record<string, unknown>;
  stage(stage: InteractiveStage): void;
  stdout(data: string): void;
  stderr(data: string): void;
  /** The next line of stdin without its newline; null at end of input. */
  line(): Promise<string | null>;
  /** The next signal the client sends. */
  signal(): Promise<string>;
}

/** How the program's stage ended. */
export interface FakeExit {
  stage: InteractiveStage;
  code: number | null;
  signal: string | null;
  status: Verdict;
}

export type FakeProgram = (io: FakeProgramIo) => Promise<FakeExit>;

/** One run as the fake saw it. */
export interface FakeRunRecord {
  id: string;
  request: Record<string, unknown>;
  principal: Principal;
  stdin: string[];
  signals: string[];
  stdinClosed: boolean;
  cancelled: boolean;
  ended: Promise<JobState>;
}

export class FakeInteractiveRuns implements InteractiveRunStarter {
  readonly runs: FakeRunRecord[] = [];
  /** Rejects start() as the real service would reject a request (an HttpException). */
  refuse?: (request: Record<string, unknown>) => Error | null;
  /** How long start() takes (admission and enqueueing). */
  startDelayMs = 0;

  constructor(private readonly program: FakeProgram) {}

  async start(request: unknown, principal: Principal): Promise<InteractiveRun> {
    const body = request as Record<string, unknown>;
    if (this.startDelayMs) await new Promise((resolve) => setTimeout(resolve, this.startDelayMs));
    const refusal = this.refuse?.(body);
    if (refusal) throw refusal;
    return new FakeRun(`fake-${this.runs.length + 1}`, body, principal, this.program, this.runs).handle;
  }
}

/** An async queue: pushed values are taken in order; take() waits for the next. */
class Queue<T> {
  private readonly values: T[] = [];
  private readonly takers: ((value: T) => void)[] = [];

  push(value: T): void {
    const taker = this.takers.shift();
    if (taker) taker(value);
    else this.values.push(value);
  }

  take(): Promise<T> {
    if (this.values.length) return Promise.resolve(this.values.shift()!);
    return new Promise((resolve) => this.takers.push(resolve));
  }
}

class FakeRun {
  readonly handle: InteractiveRun;
  private readonly events = new Queue<InteractiveEvent | null>();
  private readonly stdinChunks = new Queue<string | null>();
  private readonly signals = new Queue<string>();
  private readonly cancels = new Queue<void>();
  private buffered = '';
  private ended = false;
  private readonly record: FakeRunRecord;

  constructor(id: string, request: Record<string, unknown>, principal: Principal, program: FakeProgram, runs: FakeRunRecord[]) {
    let end!: (state: JobState) => void;
    this.record = { id, request, principal, stdin: [], signals: [], stdinClosed: false, cancelled: false, ended: new Promise((resolve) => (end = resolve)) };
    runs.push(this.record);
    this.handle = {
      id,
      events: this.iterate(),
      writeStdin: async (data) => {
        if (this.record.stdinClosed) throw new InteractiveRunError('stdin_closed', 'stdin is closed');
        if (this.ended) return;
        this.record.stdin.push(data);
        this.stdinChunks.push(data);
      },
      closeStdin: async () => {
        if (this.record.stdinClosed) return;
        this.record.stdinClosed = true;
        this.stdinChunks.push(null);
      },
      signal: async (name) => {
        if (!(INTERACTIVE_SIGNALS as readonly string[]).includes(name)) throw new InteractiveRunError('bad_signal', `${name} is not a signal a run takes`);
        this.record.signals.push(name);
        this.signals.push(name);
      },
      cancel: async () => {
        if (this.ended) return;
        this.record.cancelled = true;
        this.cancels.push();
      },
    };
    void this.execute(program, request).then(end);
  }

  private async execute(program: FakeProgram, request: Record<string, unknown>): Promise<JobState> {
    const io: FakeProgramIo = {
      request,
      stage: (stage) => this.events.push({ type: 'stage', stage }),
      stdout: (data) => this.events.push({ type: 'data', stream: 'stdout', data }),
      stderr: (data) => this.events.push({ type: 'data', stream: 'stderr', data }),
      line: () => this.line(),
      signal: () => this.signals.take(),
    };
    const outcome = await Promise.race([program(io), this.cancels.take().then(() => 'cancelled' as const)]);
    const state = outcome === 'cancelled' ? JobState.CANCELLED : JobState.COMPLETED;
    if (outcome !== 'cancelled') this.events.push({ type: 'exit', ...outcome });
    this.ended = true;
    this.events.push({ type: 'done', job: jobView(this.record.id, state, outcome === 'cancelled' ? null : outcome.status) });
    this.events.push(null);
    return state;
  }

  private async line(): Promise<string | null> {
    for (;;) {
      const newline = this.buffered.indexOf('\n');
      if (newline !== -1) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        return line;
      }
      const chunk = await this.stdinChunks.take();
      if (chunk === null) return this.rest();
      this.buffered += chunk;
    }
  }

  /** At end of input: what is left of the last line, or null. */
  private rest(): string | null {
    const rest = this.buffered;
    this.buffered = '';
    return rest || null;
  }

  private async *iterate(): AsyncGenerator<InteractiveEvent> {
    for (;;) {
      const event = await this.events.take();
      if (event === null) return;
      yield event;
    }
  }
}

function jobView(id: string, state: JobState, verdict: Verdict | null): JobView {
  return { id, state, verdict, language: 'python', compile: null, run: null, tests: [], tasks: [], createdAt: new Date().toISOString(), finishedAt: new Date().toISOString() };
}
