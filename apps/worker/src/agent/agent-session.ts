import { Duplex, PassThrough } from 'node:stream';
import {
  AgentExec,
  AgentFile,
  AgentResult,
  FRAME_COLLECTED_FILE,
  FRAME_ERROR,
  FRAME_HELLO,
  FRAME_RESULT,
  FRAME_STDERR,
  FRAME_STDOUT,
  FrameDecoder,
  MAX_FRAME_PAYLOAD_BYTES,
  decodeFileFrame,
  encodeExecFrame,
  encodeFileFrame,
  encodeStdinFrames,
  parseResult,
} from './agent-frames';

export type { AgentFile };

export interface AgentExecReport {
  result: AgentResult;
  stdout: Buffer;
  stderr: Buffer;
  /** Collected workspace files (only with `collect`). */
  files: AgentFile[];
}

export type OutputListener = (stream: 'stdout' | 'stderr', chunk: Buffer) => void;

/** The agent went away (container killed, crashed, or the stream broke) before answering. */
export class AgentGoneError extends Error {}
/** The agent refused a request (an `X` frame). */
export class AgentRefusedError extends Error {}

interface PendingExec {
  stdout: Buffer[];
  stderr: Buffer[];
  kept: number;
  cap: number;
  files: AgentFile[];
  onOutput?: OutputListener;
  resolve: (report: AgentExecReport) => void;
  reject: (error: Error) => void;
}


/**
 * Talks to one container's agent over its attached, multiplexed stdio stream.
 * The stream is drained for as long as it lives, whatever the caller does: a
 * reader that stops draining can wedge the Docker engine (see NOTES.md).
 */
export class AgentSession {
  private readonly decoder = new FrameDecoder(MAX_FRAME_PAYLOAD_BYTES);
  private pending: PendingExec | null = null;
  private readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private isReady = false;
  private goneReason: string | null = null;
  private refusal: string | null = null;
  private readonly diagnostics: Buffer[] = [];

  constructor(
    private readonly stream: Duplex,
    demux: (stream: Duplex, stdout: PassThrough, stderr: PassThrough) => void,
  ) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    stderr.on('data', (chunk: Buffer) => this.keepDiagnostics(chunk));
    demux(stream, stdout, stderr);
    stream.on('end', () => this.gone('the sandbox closed its stream'));
    stream.on('close', () => this.gone('the sandbox closed its stream'));
    stream.on('error', (error) => this.gone(`sandbox stream error: ${error.message}`));
  }

  /** Resolves when the agent has announced itself (the `H` frame). */
  ready(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    if (this.goneReason) return Promise.reject(new AgentGoneError(this.goneReason));
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  writeFiles(files: AgentFile[]): void {
    for (const file of files) this.write(encodeFileFrame(file.name, file.content, file.mode));
  }

  exec(exec: AgentExec, stdin: Buffer, onOutput?: OutputListener): Promise<AgentExecReport> {
    if (this.goneReason) return Promise.reject(new AgentGoneError(this.goneReason));
    if (this.refusal) return Promise.reject(new AgentRefusedError(this.refusal));
    if (this.pending) return Promise.reject(new Error('an exec is already running in this sandbox'));
    return new Promise((resolve, reject) => {
      const cap = exec.outputBytes ?? 65536;
      this.pending = { stdout: [], stderr: [], kept: 0, cap, files: [], onOutput, resolve, reject };
      for (const frame of encodeStdinFrames(stdin)) this.write(frame);
      this.write(encodeExecFrame(exec));
    });
  }

  /** What the agent wrote to its own stderr (diagnostics), for error messages. */
  diagnosticText(): string {
    return Buffer.concat(this.diagnostics).toString('utf8').trim();
  }

  private write(frame: Buffer): void {
    if (!this.goneReason) this.stream.write(frame);
  }

  /** Anything unreadable from the sandbox ends the session; it never throws into the stream. */
  private onData(chunk: Buffer): void {
    if (this.goneReason) return;
    try {
      for (const frame of this.decoder.push(chunk)) this.onFrame(frame.type, frame.payload);
    } catch (error) {
      this.gone(`unreadable agent stream: ${(error as Error).message}`);
    }
  }

  private onFrame(type: string, payload: Buffer): void {
    const pending = this.pending;
    switch (type) {
      case FRAME_HELLO:
        this.isReady = true;
        this.readyWaiters.splice(0).forEach((w) => w.resolve());
        return;
      case FRAME_STDOUT:
      case FRAME_STDERR:
        if (pending) this.keepOutput(pending, type === FRAME_STDOUT ? 'stdout' : 'stderr', payload);
        return;
      case FRAME_COLLECTED_FILE:
        if (pending) pending.files.push(decodeFileFrame(payload));
        return;
      case FRAME_RESULT:
        if (pending) this.finish(pending, parseResult(payload));
        return;
      case FRAME_ERROR:
        this.refuse(payload.toString('utf8'));
        return;
    }
  }

  /** Worker-side cap as well as the agent's: the worker never trusts the sandbox to stay small. */
  private keepOutput(pending: PendingExec, stream: 'stdout' | 'stderr', payload: Buffer): void {
    const room = pending.cap - pending.kept;
    if (room <= 0) return;
    const kept = payload.length > room ? payload.subarray(0, room) : payload;
    pending.kept += kept.length;
    (stream === 'stdout' ? pending.stdout : pending.stderr).push(kept);
    pending.onOutput?.(stream, kept);
  }

  private finish(pending: PendingExec, result: AgentResult): void {
    this.pending = null;
    pending.resolve({
      result,
      stdout: Buffer.concat(pending.stdout),
      stderr: Buffer.concat(pending.stderr),
      files: pending.files,
    });
  }

  /** A refusal outside an exec (a file frame) fails the next exec. */
  private refuse(message: string): void {
    const pending = this.pending;
    this.pending = null;
    if (pending) pending.reject(new AgentRefusedError(message));
    else this.refusal = message;
  }

  private keepDiagnostics(chunk: Buffer): void {
    if (this.diagnostics.reduce((n, b) => n + b.length, 0) < 8192) this.diagnostics.push(chunk);
  }

  private gone(reason: string): void {
    if (this.goneReason) return;
    this.goneReason = reason;
    const error = new AgentGoneError(reason);
    this.readyWaiters.splice(0).forEach((w) => w.reject(error));
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }
}
