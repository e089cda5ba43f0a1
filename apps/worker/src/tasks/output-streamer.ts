import { Injectable } from '@nestjs/common';
import { JobEventsRepository } from '@kiln/store';
import { OutputListener } from '../agent/agent-session';

const FLUSH_BYTES = 8192;
const FLUSH_MS = 25;

/**
 * Output on its way somewhere live: chunks of one key (a stream) coalesced
 * briefly (8 KiB or 25 ms), sent in order. Live output is a convenience:
 * a failed send never fails the run that wrote it.
 */
export class CoalescedOutput<K extends string> {
  private buffered: { key: K; chunks: Buffer[]; bytes: number } | null = null;
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly send: (key: K, data: Buffer) => Promise<unknown>) {}

  push(key: K, chunk: Buffer): void {
    if (this.buffered && this.buffered.key !== key) this.flush();
    this.buffered ??= { key, chunks: [], bytes: 0 };
    this.buffered.chunks.push(chunk);
    this.buffered.bytes += chunk.length;
    if (this.buffered.bytes >= FLUSH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Everything pushed so far has been sent. */
  async close(): Promise<void> {
    this.flush();
    await this.chain;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const buffered = this.buffered;
    this.buffered = null;
    if (!buffered) return;
    const data = Buffer.concat(buffered.chunks);
    this.chain = this.chain.then(() => this.send(buffered.key, data)).then(
      () => undefined,
      () => undefined,
    );
  }
}

/** One run's live output, appended to the job's event log in order. */
export class OutputStream {
  private readonly output: CoalescedOutput<'stdout' | 'stderr'>;

  constructor(log: JobEventsRepository, jobId: string, task: string, test?: number) {
    const label = test !== undefined ? { test } : {};
    this.output = new CoalescedOutput((stream, data) =>
      log.append(jobId, { type: 'output', task, stream, dataBase64: data.toString('base64'), ...label }),
    );
  }

  readonly listener: OutputListener = (stream, chunk) => this.output.push(stream, chunk);

  /** Everything written so far is in the log (call before reporting the task's end). */
  close(): Promise<void> {
    return this.output.close();
  }
}

/** Makes OutputStreams for the runs of this worker. */
@Injectable()
export class OutputStreamer {
  constructor(private readonly log: JobEventsRepository) {}

  open(jobId: string, task: string, test?: number): OutputStream {
    return new OutputStream(this.log, jobId, task, test);
  }
}
