import { Verdict } from './verdict';

/** How one execution in a sandbox ended, as the worker observed it. */
export interface ExecutionOutcome {
  exitCode: number | null;
  signal: number | null;
  timedOut: boolean;
  cpuLimited: boolean;
  outputLimited: boolean;
  oomKilled: boolean;
}

const SIGNAL_NAMES: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS',
  8: 'SIGFPE', 9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE',
  14: 'SIGALRM', 15: 'SIGTERM', 24: 'SIGXCPU', 25: 'SIGXFSZ', 31: 'SIGSYS',
};

export function signalName(signal: number | null): string | null {
  if (signal === null || signal === 0) return null;
  return SIGNAL_NAMES[signal] ?? `SIG${signal}`;
}

/**
 * The verdict of a run. Limits come first: a program killed because it hit a
 * limit is judged by that limit, not by the signal that ended it.
 */
export function verdictOfExecution(outcome: ExecutionOutcome): Verdict {
  if (outcome.oomKilled) return Verdict.MEMORY_LIMIT;
  if (outcome.timedOut || outcome.cpuLimited || outcome.signal === 24) return Verdict.TIMEOUT;
  if (outcome.outputLimited) return Verdict.OUTPUT_LIMIT;
  if (outcome.signal || outcome.exitCode !== 0) return Verdict.RUNTIME_ERROR;
  return Verdict.OK;
}
