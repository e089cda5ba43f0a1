import { Injectable } from '@nestjs/common';
import { JobEventsRepository } from '@kiln/store';
import { OutputListener } from '../agent/agent-session';

const FLUSH_BYTES = 8192;
const FLUSH_MS = 25;

/** One run's live output: chunks coalesced briefly, appended to the job's event log in order. */
export class OutputStream {
  private buffered: { stream: 'stdout' | 'stderr'; chunks: Buffer[]; bytes: number } | null = null;
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: JobEventsRepository,
    private readonly jobId: string,
    private readonly task: string,
    private readonly test?: number,
  ) {}

  readonly listener: OutputListener = (stream, chunk) => {
    if (this.buffered && this.buffered.stream !== stream) this.flushBuffer();
    this.buffered ??= { stream, chunks: [], bytes: 0 };
    this.buffered.chunks.push(chunk);
    this.buffered.bytes += chunk.length;
    if (this.buffered.bytes >= FLUSH_BYTES) this.flushBuffer();
    else this.timer ??= setTimeout(() => this.flushBuffer(), FLUSH_MS);
  };

  /** Everything written so far is in the log (call before reporting the task's end). */
  async close(): Promise<void> {
    this.flushBuffer();
    await this.chain;
  }

  private flushBuffer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const buffered = this.buffered;
    this.buffered = null;
    if (!buffered) return;
    const dataBase64 = Buffer.concat(buffered.chunks).toString('base64');
    const test = this.test !== undefined ? { test: this.test } : {};
    // Live output is a convenience: a failed append never fails the task.
    this.chain = this.chain
      .then(() => this.log.append(this.jobId, { type: 'output', task: this.task, stream: buffered.stream, dataBase64, ...test }))
      .catch(() => undefined);
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
