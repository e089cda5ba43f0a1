import { Injectable } from '@nestjs/common';
import { JobEventsRepository } from '@kiln/store';
import { OutputListener } from '../agent/agent-session';

const FLUSH_BYTES = 8192;
const FLUSH_MS = 25;

/**
 * One run's live output: chunks coalesced briefly, appended to the job's
 * event log in order (each append is sent at once: the commands of one
 * connection run in the order they are sent).
 */
export class OutputStream {
  private buffered: { stream: 'stdout' | 'stderr'; chunks: Buffer[]; bytes: number } | null = null;
  private timer?: NodeJS.Timeout;
  private last: Promise<void> = Promise.resolve();

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

  /**
   * Sends what is still buffered; resolves once everything is in the log.
   * The task's report may be sent without waiting for that: sent after, on
   * the same connection, it is written after the output (and in the same
   * write when sent in the same turn).
   */
  close(): Promise<void> {
    this.flushBuffer();
    return this.last;
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
    const sent = this.log.append(this.jobId, { type: 'output', task: this.task, stream: buffered.stream, dataBase64, ...test }).catch(() => undefined);
    this.last = Promise.all([this.last, sent]).then(() => undefined);
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
