import { JobView, Verdict } from '@kiln/tasks';
import { Principal } from '../auth/principal';

/**
 * The contract of an interactive run, shared by the native WebSocket endpoint
 * and the Piston adapter's /api/v2/connect: types only, the implementation is
 * InteractiveRuns (interactive-runs.ts).
 *
 * An interactive run is a normal job (queued, limited, recorded, visible in
 * GET /jobs/:id) whose request has `interactive: true`: its run stage reads
 * stdin from the client while it runs instead of from the request.
 */

/** A stage of the job, in the order they happen (compile only for compiled languages). */
export type InteractiveStage = 'compile' | 'run';

/** Output streams a client sees. */
export type InteractiveStream = 'stdout' | 'stderr';

/** What a client receives, in order: stage, data*, exit for each stage, then done once. */
export type InteractiveEvent =
  /**
   * A stage began (sent before any of its data). Sent again before its exit
   * when the worker running it was lost and the stage runs again from the
   * start: the data after it is the new attempt's.
   */
  | { type: 'stage'; stage: InteractiveStage }
  /** A chunk of a stage's output, as the program wrote it (UTF-8 text). */
  | { type: 'data'; stream: InteractiveStream; data: string }
  /**
   * A stage ended: its exit code (null when killed), the signal that killed it
   * (a name such as "SIGKILL", null when none) and its verdict.
   */
  | { type: 'exit'; stage: InteractiveStage; code: number | null; signal: string | null; status: Verdict }
  /** The job is terminal: the same shape as GET /jobs/:id. Always the last event. */
  | { type: 'done'; job: JobView };

/** Signals a client may send to the running program, by name, with their Linux numbers (Piston's list, as Linux has them). */
export const INTERACTIVE_SIGNAL_NUMBERS = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCLD: 17,
  SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26,
  SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31,
} as const;
export type InteractiveSignal = keyof typeof INTERACTIVE_SIGNAL_NUMBERS;
export const INTERACTIVE_SIGNALS = Object.keys(INTERACTIVE_SIGNAL_NUMBERS) as InteractiveSignal[];

/** One started interactive job. */
export interface InteractiveRun {
  /** The job's id (GET /jobs/:id). */
  readonly id: string;
  /**
   * The run's events; ends after `done`. Iterate it once. Stopping the
   * iteration early (break/return) does not cancel the job: call cancel().
   */
  readonly events: AsyncIterable<InteractiveEvent>;
  /**
   * Appends a chunk to the program's stdin. Data sent before the run stage
   * starts is kept (bounded) and delivered when it starts. Rejects with
   * InteractiveRunError (code `stdin_too_large`) past the configured bound,
   * `stdin_closed` after closeStdin(); after the job ended it is a no-op.
   */
  writeStdin(data: string): Promise<void>;
  /** Ends the program's stdin (EOF after what was written). Idempotent. */
  closeStdin(): Promise<void>;
  /** Sends a signal to the running program (kept until the run starts). Rejects with `bad_signal` for a name not in INTERACTIVE_SIGNALS. */
  signal(name: string): Promise<void>;
  /** Cancels the job (as PUT /jobs/:id/cancel); the events still end with `done`. No-op when terminal. */
  cancel(): Promise<void>;
}

/** Starts interactive runs; an injectable Nest provider (InteractiveRuns) implements it. */
export interface InteractiveRunStarter {
  /**
   * Validates `request` exactly as POST /jobs does (the body of a job request,
   * `interactive` implied), admits and enqueues the job for `principal`.
   * Rejects with the same HttpExceptions POST /jobs answers with (400
   * InvalidRequestException with {error, details}, 429, 503), so callers
   * render them as they must.
   */
  start(request: unknown, principal: Principal): Promise<InteractiveRun>;
}

/** Why a client's action on a run was refused. */
export type InteractiveRunErrorCode = 'stdin_too_large' | 'stdin_closed' | 'bad_signal';

export class InteractiveRunError extends Error {
  constructor(
    readonly code: InteractiveRunErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'InteractiveRunError';
  }
}
