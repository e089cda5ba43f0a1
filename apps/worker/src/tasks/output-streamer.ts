import { Injectable } from '@nestjs/common';
import { JobEventsRepository } from '@kiln/store';
import { OutputListener } from '../agent/agent-session';

const FLUSH_BYTES = 8192;
const FLUSH_MS = 25;

/**
 * Output on its way somewhere live: chunks of one key (a stream) coalesced
 * briefly (8 KiB or 25 ms). Each batch is sent at once rather than after the
 * previous one is answered: the commands of one Redis connection run in the
 * order they are sent. Live output is a convenience: a failed send never
 * fails the run that wrote it.
 */
export class CoalescedOutput<K extends string> {
  private buffered: { key: K; chunks: Buffer[]; bytes: number } | null = null;
  private timer?: NodeJS.Timeout;
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly send: (key: K, data: Buffer) => Promise<unknown>) {}

  push(key: K, chunk: Buffer): void {
    if (this.buffered && this.buffered.key !== key) this.flush();
    this.buffered ??= { key, chunks: [], bytes: 0 };
    this.buffered.chunks.push(chunk);
    this.buffered.bytes += chunk.length;
    if (this.buffered.bytes >= FLUSH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /**
   * Sends what is still buffered; resolves once everything has been sent.
   * What is sent after on the same connection (a task's report) is written
   * after the output without waiting for this (and in the same write when
   * sent in the same turn).
   */
  close(): Promise<void> {
    this.flush();
    return this.last;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const buffered = this.buffered;
    this.buffered = null;
    if (!buffered) return;
    const sent = this.send(buffered.key, Buffer.concat(buffered.chunks)).catch(() => undefined);
    this.last = Promise.all([this.last, sent]).then(() => undefined);
  }
}

/** One run's live output, appended to the job's event log in order. */
export class OutputStream {
  private readonly output: CoalescedOutput<'stdout' | 'stderr'>;

  constructor(log: JobEventsRepository, jobId: string, task: string, attempt: number, test?: number) {
    const label = test !== undefined ? { test } : {};
    this.output = new CoalescedOutput((stream, data) =>
      log.append(jobId, { type: 'output', task, stream, dataBase64: data.toString('base64'), attempt, ...label }),
    );
  }

  readonly listener: OutputListener = (stream, chunk) => this.output.push(stream, chunk);

  /** Everything written so far is sent to the log (see CoalescedOutput.close). */
  close(): Promise<void> {
    return this.output.close();
  }
}

/** Makes OutputStreams for the runs of this worker. */
@Injectable()
export class OutputStreamer {
  constructor(private readonly log: JobEventsRepository) {}

  /** `attempt`: the task's BullMQ attempt, from 1 (job.attemptsMade + 1), so a client can tell a retry's output from the lost attempt's. */
  open(jobId: string, task: string, attempt: number, test?: number): OutputStream {
    return new OutputStream(this.log, jobId, task, attempt, test);
  }
}
