import { constants } from 'node:os';
import type { JobView } from '@kiln/client';

/**
 * The CLI's own exit codes (sysexits.h, where one fits). Otherwise `kiln run`
 * exits with the program's code, so `kiln run x.py && …` works as `python x.py && …`.
 */
export const CLI_EXIT = {
  /** Bad command line. */
  usage: 2,
  /** The server refused the request (4xx: unknown language, bad key, unknown job). */
  refused: 65,
  /** The file to run cannot be read. */
  noInput: 66,
  /** No answer from the server, a 5xx, or Kiln itself failed the job. */
  unavailable: 69,
  /** Like timeout(1): the program ran out of time. */
  timeout: 124,
  /** Like a shell: the job was cancelled (Ctrl-C). */
  cancelled: 130,
} as const;

/** The exit code that mirrors the program's end: its own code, 128 + a signal's number, or one of CLI_EXIT. */
export function exitCodeOf(job: JobView): number {
  if (job.state === 'CANCELLED') return CLI_EXIT.cancelled;
  if (job.state === 'FAILED') return CLI_EXIT.unavailable;
  if (job.verdict === 'OK') return 0;
  if (job.verdict === 'TIMEOUT') return CLI_EXIT.timeout;
  const stage = job.run ?? (job.verdict === 'COMPILE_ERROR' ? job.compile : null);
  if (stage?.exitCode) return stage.exitCode;
  if (stage?.signal) return 128 + (constants.signals[stage.signal as keyof typeof constants.signals] ?? constants.signals.SIGKILL);
  return 1;
}
