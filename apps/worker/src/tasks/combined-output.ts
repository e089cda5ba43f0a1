import { OutputListener } from '../agent/agent-session';

/**
 * Records stdout and stderr chunks in the order the agent forwarded them, for
 * a request that asked for combinedOutput (Piston's `output`, Judge0's
 * redirect_stderr_to_stdout). The agent caps stdout and stderr together, so
 * the record is never larger than the output limit.
 */
export class CombinedOutput {
  private readonly chunks: Buffer[] = [];

  readonly listener: OutputListener = (_stream, chunk) => {
    this.chunks.push(chunk);
  };

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** A listener that feeds each of the given ones (absent ones skipped). */
export function teeListeners(...listeners: (OutputListener | undefined)[]): OutputListener | undefined {
  const present = listeners.filter((listener): listener is OutputListener => listener !== undefined);
  if (present.length <= 1) return present[0];
  return (stream, chunk) => present.forEach((listener) => listener(stream, chunk));
}
