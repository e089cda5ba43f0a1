import { randomBytes } from 'node:crypto';
import { Duplex, PassThrough } from 'node:stream';
import {
  AgentExec,
  AgentFile,
  AgentProtocolError,
  AgentResult,
  agentReplyLimit,
  CollectedFile,
  DEFAULT_COLLECT_MAX_BYTES,
  FRAME_COLLECTED_FILE,
  FRAME_ERROR,
  FRAME_HELLO,
  FRAME_PING,
  FRAME_RESULT,
  FRAME_SKIPPED,
  FRAME_STDERR,
  FRAME_STDOUT,
  Frame,
  FrameDecoder,
  decodeCollectedFile,
  decodeSkippedEntry,
  encodeExecFrame,
  encodeFileFrame,
  encodeLiveStdinFrames,
  encodeSignalFrame,
  encodeStdinEndFrame,
  encodePingFrame,
  encodeQuitFrame,
  encodeStdinFrames,
  parseResult,
  refusalOfExec,
  SkippedEntry,
} from './agent-frames';

export type { AgentFile };

export interface AgentExecReport {
  result: AgentResult;
  stdout: Buffer;
  stderr: Buffer;
  /** Collected workspace files (only with `collect`), named as the program named them. */
  files: CollectedFile[];
  /** The entries the collection skipped that the agent named (at most `skippedMax`; result.skippedCount counts all). */
  skipped: SkippedEntry[];
}

export type OutputListener = (stream: 'stdout' | 'stderr', chunk: Buffer) => void;

/** What the worker relays to an interactive exec while its program runs. */
export interface LiveControl {
  /** More of the program's stdin. */
  write(data: Buffer): void;
  /** The end of its stdin. */
  end(): void;
  /** A signal (by number) to the program. */
  signal(signal: number): void;
}

/** The source of an interactive exec's live input (a job's stdin stream, a test). */
export interface LiveInput {
  /** Called once the exec is sent; the function it returns is called when the exec has ended. */
  attach(control: LiveControl): () => void;
}

/** What the session tells a program that wrote into the agent's channel (stderr of its run). */
export const TAMPERED_NOTE = "kiln: the sandbox's control channel broke while the program ran (a frame its agent did not send); the program was stopped";

/** What an exec had sent before its agent went away, and when it began. */
export interface PartialExec {
  stdout: Buffer;
  stderr: Buffer;
  startedAt: number;
}

/** The agent went away (container killed, crashed, or the stream broke) before answering. */
export class AgentGoneError extends Error {
  constructor(
    message: string,
    /** Set when an exec was running: its output so far (a sandbox that died of memory still has it). */
    readonly partial?: PartialExec,
  ) {
    super(message);
  }
}
/** The agent refused a request (an `X` frame). */
export class AgentRefusedError extends Error {}
/** The agent did not answer a ping in time. */
export class AgentSilentError extends Error {}

interface HelloWaiter {
  count: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

interface PendingExec {
  stdout: Buffer[];
  stderr: Buffer[];
  kept: number;
  cap: number;
  /** The largest collected file this exec may send back; null when it does not collect. */
  collectMaxBytes: number | null;
  files: CollectedFile[];
  skippedMax: number;
  skipped: SkippedEntry[];
  onOutput?: OutputListener;
  startedAt: number;
  /** Echoed by the agent in the R (and X) that answers this exec; anything else was forged. */
  nonce: string;
  detachLive?: () => void;
  resolve: (report: AgentExecReport) => void;
  reject: (error: Error) => void;
}


/**
 * Talks to one container's agent over its attached, multiplexed stdio stream.
 * The stream is drained for as long as it lives, whatever the caller does: a
 * reader that stops draining can wedge the Docker engine, which blocks on a
 * full attach stream.
 */
export class AgentSession {
  // Each frame type has its limit; a collected file only as large as the exec allows.
  private readonly decoder = new FrameDecoder((type) => agentReplyLimit(type, this.pending?.collectMaxBytes ?? null));
  private pending: PendingExec | null = null;
  /** `H` frames so far: one per agent start (in nested mode, one per nested sandbox). */
  private hellos = 0;
  private helloWaiters: HelloWaiter[] = [];
  private readonly pings = new Map<string, () => void>();
  private pingCounter = 0;
  private readonly goneListeners: ((reason: string) => void)[] = [];
  private goneReason: string | null = null;
  private refusal: string | null = null;
  /** Whether it ever refused a frame outside an exec (the sandbox must not serve another owner). */
  private refusedOnce = false;
  private readonly diagnostics: Buffer[] = [];
  private readonly outgoing: Buffer[] = [];
  /** `hellos` when `Q` was last sent: while it still is, the current sandbox is ending. */
  private quitAtHello = -1;

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

  /** Resolves when the agent has announced itself (the first `H` frame). */
  ready(): Promise<void> {
    return this.helloNumber(1);
  }

  /** How many `H` frames arrived so far. */
  get helloCount(): number {
    return this.hellos;
  }

  /** Resolves once the `count`-th `H` frame has arrived (nested mode: the next sandbox is up). */
  helloNumber(count: number): Promise<void> {
    if (this.hellos >= count) return Promise.resolve();
    if (this.goneReason) return Promise.reject(new AgentGoneError(this.goneReason));
    return new Promise((resolve, reject) => this.helloWaiters.push({ count, resolve, reject }));
  }

  /** Resolves when the agent echoes a ping: it is alive and the stream is in sync. */
  ping(timeoutMs: number): Promise<void> {
    if (this.goneReason) return Promise.reject(new AgentGoneError(this.goneReason));
    const nonce = `${++this.pingCounter}`;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pings.delete(nonce);
        reject(new AgentSilentError(`the agent did not answer a ping within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pings.set(nonce, () => {
        clearTimeout(timer);
        resolve();
      });
      this.goneListeners.push(() => {
        clearTimeout(timer);
        if (this.pings.delete(nonce)) reject(new AgentGoneError(this.goneReason ?? 'gone'));
      });
      this.write(encodePingFrame(Buffer.from(nonce)));
    });
  }

  /** Ends the agent (in nested mode: ends the current nested sandbox; the next one says `H`). */
  quit(): void {
    this.write(encodeQuitFrame());
    this.quitAtHello = this.hellos;
  }

  /**
   * `Q` was sent and no `H` came since: nothing more may be sent, since in
   * nested mode it would reach the next sandbox (docs/agent-protocol.md).
   */
  get ending(): boolean {
    return this.quitAtHello === this.hellos;
  }

  get isGone(): boolean {
    return this.goneReason !== null;
  }

  /** Called once, when the stream ends or breaks. */
  onGone(listener: (reason: string) => void): void {
    if (this.goneReason) listener(this.goneReason);
    else this.goneListeners.push(listener);
  }

  writeFiles(files: AgentFile[]): void {
    for (const file of files) this.write(encodeFileFrame(file.name, file.content, file.mode));
  }

  /**
   * Runs one exec. Every exec carries a fresh nonce (unless the caller gives
   * one): an answer without it was written by the program, not the agent, and
   * ends the exec as the program's failure (see tamper()). `live` makes it
   * interactive: its input is relayed while the program runs.
   */
  exec(exec: AgentExec, stdin: Buffer, onOutput?: OutputListener, live?: LiveInput): Promise<AgentExecReport> {
    if (this.goneReason) return Promise.reject(new AgentGoneError(this.goneReason));
    if (this.refusal) return Promise.reject(new AgentRefusedError(this.refusal));
    if (this.ending) return Promise.reject(new Error('the sandbox was told to end: no exec may follow'));
    if (this.pending) return Promise.reject(new Error('an exec is already running in this sandbox'));
    return new Promise((resolve, reject) => {
      const cap = exec.outputBytes ?? 65536;
      const collectMaxBytes = exec.collect ? (exec.collectMaxBytes ?? DEFAULT_COLLECT_MAX_BYTES) : null;
      const skippedMax = exec.collect ? (exec.skippedMax ?? 0) : 0;
      const nonce = exec.nonce ?? randomBytes(16).toString('hex');
      const pending: PendingExec = { stdout: [], stderr: [], kept: 0, cap, collectMaxBytes, files: [], skippedMax, skipped: [], onOutput, startedAt: Date.now(), nonce, resolve, reject };
      this.pending = pending;
      for (const frame of encodeStdinFrames(stdin)) this.write(frame);
      this.write(encodeExecFrame({ ...exec, nonce, ...(live ? { interactive: true } : {}) }));
      if (live) pending.detachLive = live.attach(this.liveControl(pending));
    });
  }

  /** Live input reaches the agent only while its exec is the one pending. */
  private liveControl(pending: PendingExec): LiveControl {
    const current = () => this.pending === pending && !this.goneReason;
    return {
      write: (data) => {
        if (current()) for (const frame of encodeLiveStdinFrames(data)) this.write(frame);
      },
      end: () => {
        if (current()) this.write(encodeStdinEndFrame());
      },
      signal: (signal) => {
        if (current()) this.write(encodeSignalFrame(signal));
      },
    };
  }

  /** The last `X` frame received outside an exec, if any. */
  get refusalText(): string | null {
    return this.refusal;
  }

  /** It refused something outside an exec at some point, even if settleFiles took the refusal since. */
  get hasRefused(): boolean {
    return this.refusedOnce;
  }

  /**
   * Waits until the agent has handled every frame sent so far (a ping, which
   * it answers in order), then gives the refusal of a file among them, if
   * any, and forgets it: the next exec is not failed by it. For a holder
   * that goes on with the sandbox after a refused file (a session's upload).
   */
  async settleFiles(timeoutMs: number): Promise<string | null> {
    await this.ping(timeoutMs);
    const refusal = this.refusal;
    this.refusal = null;
    return refusal;
  }

  /** What the agent wrote to its own stderr (diagnostics), for error messages. */
  diagnosticText(): string {
    return Buffer.concat(this.diagnostics).toString('utf8').trim();
  }

  /**
   * Frames leave together at the end of the turn that wrote them (a task's
   * files and its exec are one write, not one each: every write costs a
   * system call here and a copy in the engine's attach proxy), in order.
   */
  private write(frame: Buffer): void {
    if (this.goneReason) return;
    if (this.ending) throw new Error('the sandbox was told to end: nothing more may be sent to it');
    if (this.outgoing.push(frame) === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const frames = this.outgoing.splice(0);
    if (this.goneReason) return;
    this.stream.cork();
    for (const frame of frames) this.stream.write(frame);
    this.stream.uncork();
  }

  /**
   * Anything unreadable from the sandbox ends the session, after the whole
   * frames that came before it; it never throws into the stream.
   */
  private onData(chunk: Buffer): void {
    if (this.goneReason) return;
    let frames: Frame[] = [];
    let broken: Error | null = null;
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      if (error instanceof AgentProtocolError) frames = error.framesBefore;
      broken = error as Error;
    }
    try {
      for (const frame of frames) this.onFrame(frame.type, frame.payload);
    } catch (error) {
      broken = error as Error;
    }
    if (broken && this.pending) this.tamper(`unreadable agent stream: ${broken.message}`);
    else if (broken) this.gone(`unreadable agent stream: ${broken.message}`);
  }

  private onFrame(type: string, payload: Buffer): void {
    const pending = this.pending;
    switch (type) {
      case FRAME_HELLO:
        this.onHello();
        return;
      case FRAME_PING:
        this.pings.get(payload.toString('latin1'))?.();
        this.pings.delete(payload.toString('latin1'));
        return;
      case FRAME_STDOUT:
      case FRAME_STDERR:
        if (pending) this.keepOutput(pending, type === FRAME_STDOUT ? 'stdout' : 'stderr', payload);
        return;
      case FRAME_COLLECTED_FILE:
        if (pending) pending.files.push(decodeCollectedFile(payload));
        return;
      case FRAME_SKIPPED:
        if (pending) this.keepSkipped(pending, decodeSkippedEntry(payload));
        return;
      case FRAME_RESULT:
        if (pending) this.onResult(pending, parseResult(payload));
        return;
      case FRAME_ERROR:
        if (pending) this.onExecRefusal(pending, payload);
        else this.refuse(payload.toString('utf8'));
        return;
    }
  }

  /** Only the agent knows the exec's nonce: a result without it was forged by the program. */
  private onResult(pending: PendingExec, result: AgentResult): void {
    if (result.nonce !== pending.nonce) throw new AgentProtocolError('a result frame without the exec’s nonce');
    this.finish(pending, result);
  }

  private onExecRefusal(pending: PendingExec, payload: Buffer): void {
    const text = refusalOfExec(payload, pending.nonce);
    if (text === null) throw new AgentProtocolError('a refusal frame without the exec’s nonce');
    this.refuse(text);
  }

  private onHello(): void {
    this.hellos++;
    // A new agent while an exec runs: the nested sandbox died under it, or (gVisor) the program forged it;
    // either way the program's run, not Kiln's.
    if (this.pending) this.tamper('a new agent announced itself during the exec');
    const due = this.helloWaiters.filter((w) => w.count <= this.hellos);
    this.helloWaiters = this.helloWaiters.filter((w) => w.count > this.hellos);
    due.forEach((w) => w.resolve());
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

  /** The agent names no more skipped entries than the exec asked for: the worker's memory stays bounded. */
  private keepSkipped(pending: PendingExec, entry: SkippedEntry): void {
    if (pending.skipped.length >= pending.skippedMax) {
      throw new AgentProtocolError(`the agent named more than the ${pending.skippedMax} skipped entries asked for`);
    }
    pending.skipped.push(entry);
  }

  private finish(pending: PendingExec, result: AgentResult): void {
    this.pending = null;
    pending.detachLive?.();
    pending.resolve({
      result,
      stdout: Buffer.concat(pending.stdout),
      stderr: Buffer.concat(pending.stderr),
      files: pending.files,
      skipped: pending.skipped,
    });
  }

  /** A refusal outside an exec (a file frame) fails the next exec. */
  private refuse(message: string): void {
    const pending = this.pending;
    this.pending = null;
    pending?.detachLive?.();
    if (pending) pending.reject(new AgentRefusedError(message));
    else this.refusal = message;
    if (!pending) this.refusedOnce = true;
  }

  private keepDiagnostics(chunk: Buffer): void {
    if (this.diagnostics.reduce((n, b) => n + b.length, 0) < 8192) this.diagnostics.push(chunk);
  }

  /**
   * The stream broke, or an answer lacked the exec's nonce, while a program
   * ran: under a runtime whose procfs lets a program open the agent's stdout
   * (gVisor), that is the program writing into the channel. Its exec ends as
   * its own failure (killed, RUNTIME_ERROR, a note on its stderr), never as
   * Kiln's; the session ends (nothing after it can be trusted) and the
   * sandbox with it.
   */
  private tamper(reason: string): void {
    const pending = this.pending!;
    const note = Buffer.from(`\n${TAMPERED_NOTE}\n`);
    this.keepOutput(pending, 'stderr', note);
    const stdout = Buffer.concat(pending.stdout);
    const stderr = Buffer.concat(pending.stderr);
    const result: AgentResult = {
      exitCode: null,
      signal: 9,
      timedOut: false,
      cpuLimited: false,
      outputLimited: false,
      oomKilled: false,
      wallMs: Date.now() - pending.startedAt,
      cpuMs: 0,
      maxRssBytes: 0,
      stdoutBytes: stdout.length,
      stderrBytes: stderr.length,
      collectError: null,
      skippedCount: 0,
      execError: null,
      tampered: reason,
    };
    this.pending = null;
    pending.detachLive?.();
    pending.resolve({ result, stdout, stderr, files: [], skipped: [] });
    this.gone(`the program wrote into the agent's channel (${reason})`);
  }

  private gone(reason: string): void {
    if (this.goneReason) return;
    this.goneReason = reason;
    const error = new AgentGoneError(reason);
    this.helloWaiters.splice(0).forEach((w) => w.reject(error));
    const pending = this.pending;
    this.pending = null;
    pending?.detachLive?.();
    pending?.reject(new AgentGoneError(reason, { stdout: Buffer.concat(pending.stdout), stderr: Buffer.concat(pending.stderr), startedAt: pending.startedAt }));
    this.goneListeners.splice(0).forEach((listener) => listener(reason));
  }
}
