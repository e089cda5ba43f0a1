import { StringDecoder } from 'node:string_decoder';
import {
  agentOutputCap,
  base64Bytes,
  DEFAULT_RUN_OPTIONS,
  INTERLEAVING_ENTRY_BYTES,
  jsonTextBytes,
  jsonTextPrefix,
  OutputEncoding,
  StageOutput,
  TaskPayload,
} from '@kiln/tasks';
import { OutputListener } from '../agent/agent-session';

type Stream = 'stdout' | 'stderr';

/** What one execution's output came to, within its share of the job's output budget. */
export interface RecordedOutput {
  output: StageOutput;
  encoding: OutputEncoding;
  /** Output was dropped because the share was full. */
  truncated: boolean;
  /** Bytes of the share used (output-budget.ts's measure). */
  budgetUsed: number;
}

export interface RecorderOptions {
  encoding: OutputEncoding;
  /** The request asked for combinedOutput: the interleaving is kept, and every byte counts twice. */
  combined: boolean;
  /** This execution's share of the job's output budget. */
  share: number;
  /** Receives what is kept, as it is kept (the live output stream). */
  onKept?: OutputListener;
}

/**
 * Keeps one execution's stdout and stderr as the answer will render them,
 * measured against the execution's share of the job's output budget
 * (libs/tasks output-budget.ts): text decoded as it arrives (one decoder per
 * stream, so a character split between chunks is whole) or bytes for base64.
 * The first piece that does not fit is cut to what fits and everything after
 * it is dropped; the agent session goes on draining the sandbox regardless.
 */
export class OutputRecorder {
  private readonly texts: Record<Stream, string[]> = { stdout: [], stderr: [] };
  private readonly bytes: Record<Stream, Buffer[]> = { stdout: [], stderr: [] };
  private readonly kept: Record<Stream, number> = { stdout: 0, stderr: 0 };
  private readonly decoders: Record<Stream, StringDecoder> = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private readonly interleaving: number[] = [];
  private used = 0;
  private cut = false;

  constructor(private readonly options: RecorderOptions) {}

  /** A recorder for one execution of the task, in the job's encoding, within the task's share. */
  static forTask(task: TaskPayload, onKept?: OutputListener): OutputRecorder {
    const options = task.options ?? DEFAULT_RUN_OPTIONS;
    // A task of an older coordinator has no share: outputBytes alone bounds it.
    const share = task.outputBudget ?? Number.MAX_SAFE_INTEGER;
    return new OutputRecorder({ encoding: options.outputEncoding, combined: Boolean(options.combinedOutput), share, onKept });
  }

  /** The agent's cap (output_bytes) for this execution. */
  agentCap(outputBytes: number): number {
    return agentOutputCap(outputBytes, this.options.share, this.options.combined);
  }

  readonly listener: OutputListener = (stream, chunk) => {
    if (this.cut) return;
    if (this.options.encoding === 'base64') this.keepBytes(stream, chunk);
    else this.keepText(stream, this.decoders[stream].write(chunk));
  };

  /** Call once the execution has ended. */
  finish(): RecordedOutput {
    const { encoding, combined } = this.options;
    if (encoding === 'utf8') {
      // A sequence left incomplete at the end becomes U+FFFD, as Buffer#toString makes it.
      for (const stream of ['stdout', 'stderr'] as const) if (!this.cut) this.keepText(stream, this.decoders[stream].end());
    }
    const text = (stream: Stream) =>
      encoding === 'base64' ? Buffer.concat(this.bytes[stream]).toString('base64') : this.texts[stream].join('');
    return {
      output: { stdout: text('stdout'), stderr: text('stderr'), ...(combined ? { interleaving: this.interleaving } : {}) },
      encoding,
      truncated: this.cut,
      budgetUsed: this.used,
    };
  }

  private keepText(stream: Stream, text: string): void {
    if (!text) return;
    const factor = this.options.combined ? 2 : 1;
    const entry = this.entryCost(stream);
    const cost = jsonTextBytes(text) * factor + entry;
    if (this.used + cost <= this.options.share) return this.acceptText(stream, text, cost);
    this.cut = true;
    const room = Math.floor((this.options.share - this.used - entry) / factor);
    const prefix = room > 0 ? jsonTextPrefix(text, room) : '';
    if (prefix) this.acceptText(stream, prefix, jsonTextBytes(prefix) * factor + entry);
  }

  private acceptText(stream: Stream, text: string, cost: number): void {
    this.texts[stream].push(text);
    this.used += cost;
    this.interleave(stream, text.length);
    this.options.onKept?.(stream, Buffer.from(text, 'utf8'));
  }

  private keepBytes(stream: Stream, chunk: Buffer): void {
    let fits = chunk.length;
    if (this.bytesCost(stream, fits) > this.options.share) {
      this.cut = true;
      let low = 0;
      while (low < fits) {
        const mid = Math.ceil((low + fits) / 2);
        if (this.bytesCost(stream, mid) <= this.options.share) low = mid;
        else fits = mid - 1;
      }
    }
    if (fits === 0) return;
    const kept = chunk.subarray(0, fits);
    this.bytes[stream].push(kept);
    this.kept[stream] += fits;
    this.interleave(stream, fits);
    this.used = this.bytesCost(stream, 0);
    this.options.onKept?.(stream, kept);
  }

  /** The budget used if `more` bytes were added to `stream` now: each stream's base64, the combined base64, the pieces. */
  private bytesCost(stream: Stream, more: number): number {
    const out = this.kept.stdout + (stream === 'stdout' ? more : 0);
    const err = this.kept.stderr + (stream === 'stderr' ? more : 0);
    const entries = this.interleaving.length * INTERLEAVING_ENTRY_BYTES + (more > 0 ? this.entryCost(stream) : 0);
    const combined = this.options.combined ? base64Bytes(out + err) + entries : 0;
    return base64Bytes(out) + base64Bytes(err) + combined;
  }

  /** A new piece of the interleaving (the other stream wrote last) costs its entry. */
  private entryCost(stream: Stream): number {
    if (!this.options.combined) return 0;
    const last = this.interleaving[this.interleaving.length - 1];
    const continues = last !== undefined && (last > 0) === (stream === 'stdout');
    return continues ? 0 : INTERLEAVING_ENTRY_BYTES;
  }

  private interleave(stream: Stream, length: number): void {
    if (!this.options.combined) return;
    const signed = stream === 'stdout' ? length : -length;
    const last = this.interleaving.length - 1;
    if (this.entryCost(stream) === 0) this.interleaving[last] += signed;
    else this.interleaving.push(signed);
  }
}
