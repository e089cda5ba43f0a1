import { InteractiveEvent } from '../../interactive/interactive-run';
import { pistonSignal } from './piston-result.mapper';

/**
 * The wire of Piston's /api/v2/connect (engineer-man/piston, api/src/api/v2.js):
 * the close codes with Piston's reasons, the signal names it accepts, and
 * its server messages made from an interactive run's events.
 */
export const PistonClose = {
  alreadyInitialized: { code: 4000, reason: 'Already Initialized' },
  initializationTimeout: { code: 4001, reason: 'Initialization Timeout' },
  notifiedError: { code: 4002, reason: 'Notified Error' },
  notYetInitialized: { code: 4003, reason: 'Not yet initialized' },
  onlyStdin: { code: 4004, reason: 'Can only write to stdin' },
  invalidSignal: { code: 4005, reason: 'Invalid signal' },
  jobCompleted: { code: 4999, reason: 'Job Completed' },
} as const;

export type PistonCloseReason = (typeof PistonClose)[keyof typeof PistonClose];

/** Piston closes a socket that sent no init within a second of opening. */
export const PISTON_INIT_TIMEOUT_MS = 1000;

/** The signal names Piston accepts (every name of signal(7)); any other is close 4005. */
export const PISTON_SIGNALS: ReadonlySet<string> = new Set([
  'SIGABRT', 'SIGALRM', 'SIGBUS', 'SIGCHLD', 'SIGCLD', 'SIGCONT', 'SIGEMT', 'SIGFPE', 'SIGHUP', 'SIGILL',
  'SIGINFO', 'SIGINT', 'SIGIO', 'SIGIOT', 'SIGKILL', 'SIGLOST', 'SIGPIPE', 'SIGPOLL', 'SIGPROF', 'SIGPWR',
  'SIGQUIT', 'SIGSEGV', 'SIGSTKFLT', 'SIGSTOP', 'SIGTSTP', 'SIGSYS', 'SIGTERM', 'SIGTRAP', 'SIGTTIN',
  'SIGTTOU', 'SIGUNUSED', 'SIGURG', 'SIGUSR1', 'SIGUSR2', 'SIGVTALRM', 'SIGXCPU', 'SIGXFSZ', 'SIGWINCH',
]);

/** A message from the client; Piston reads `type` and ignores a type it does not know. */
export interface PistonClientMessage {
  type?: unknown;
  stream?: unknown;
  data?: unknown;
  signal?: unknown;
  /** Kiln's addition: the API key, for browsers, which cannot set headers on a WebSocket. */
  key?: unknown;
}

/** The Piston message for one event of the run, or null for `done` (the socket's close says it). */
export function pistonMessageOf(event: InteractiveEvent): object | null {
  switch (event.type) {
    case 'stage':
      return { type: 'stage', stage: event.stage };
    case 'data':
      return { type: 'data', stream: event.stream, data: event.data };
    case 'exit':
      return { type: 'exit', stage: event.stage, code: event.code, signal: pistonSignal(event.status, event.signal) };
    case 'done':
      return null;
  }
}
