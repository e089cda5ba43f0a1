import { AgentExec, AgentResult, CollectedFile, DEFAULT_COLLECT_MAX_BYTES } from '../../agent/agent-frames';
import { AgentExecReport, AgentFile, AgentGoneError, OutputListener } from '../../agent/agent-session';
import { SandboxBody, SandboxOwner } from '../sandbox-lease';
import { SandboxLimits } from '../sandbox-runtime';

const MiB = 1024 * 1024;
const SIGKILL = 9;
const DEFAULT_OUTPUT_BYTES = 65536;

/** What a scripted program sees while it "runs". */
export interface ScriptedRun {
  /** The sandbox it runs in (owner, image, limits, workspace, earlier runs). */
  readonly sandbox: ScriptedSandbox;
  /** The exec as the worker sent it (argv, env, timeoutMs, cpuMs, outputBytes, collect...). */
  readonly exec: AgentExec;
  readonly stdin: Buffer;
  /** The workspace: files written into the sandbox and left by earlier runs of it. A program may change it. */
  readonly files: Map<string, AgentFile>;
  /** Writes output, as the program would (past the exec's cap it is dropped and the program stopped). */
  stdout(data: string | Buffer): void;
  stderr(data: string | Buffer): void;
  /** Resolves after `ms`; never, once the program was stopped (a limit, or the sandbox killed). */
  sleep(ms: number): Promise<void>;
  /** Aborted when the program is stopped. */
  readonly signal: AbortSignal;
}

/** How a scripted program ends (every field optional: `{}` or nothing is exit code 0). */
export interface ScriptedExit {
  exitCode?: number;
  /** Ended by this signal (the exit code is then null). */
  signal?: number;
  /** Written at the end, as by stdout(). */
  stdout?: string;
  stderr?: string;
  /** Peak memory: above the sandbox's memory limit it ends as the kernel's OOM killer ends it. */
  memoryBytes?: number;
  /** CPU time: above the exec's cpuMs it ends as RLIMIT_CPU ends it. */
  cpuMs?: number;
}

/**
 * A program as a function. It may throw: that is the sandbox failing (the
 * task's attempt fails as Kiln's failure), not the program.
 */
export type ScriptedProgram = (run: ScriptedRun) => ScriptedExit | void | Promise<ScriptedExit | void>;

/** One run, as a test may inspect it afterwards. */
export interface ScriptedRunRecord {
  exec: AgentExec;
  stdin: Buffer;
  report?: AgentExecReport;
}

type Stop = 'timeout' | 'output' | 'killed';

/**
 * A scripted sandbox: a workspace (a map of files) and a program function
 * that "runs" in it, under the agent's rules as docs/agent-protocol.md states
 * them: wall time and output caps enforced while it runs, memory and CPU
 * judged from what it says it used, the workspace collected after a
 * successful exit when the exec asks.
 */
export class ScriptedSandbox implements SandboxBody {
  readonly files = new Map<string, AgentFile>();
  readonly runs: ScriptedRunRecord[] = [];
  state: 'leased' | 'killed' | 'removed' = 'leased';
  private stopCurrent?: (why: Stop) => void;

  constructor(
    readonly id: string,
    readonly owner: SandboxOwner,
    readonly image: string,
    readonly limits: SandboxLimits,
    private readonly program: ScriptedProgram,
    private readonly killDelayMs = 0,
  ) {}

  get alive(): boolean {
    return this.state === 'leased';
  }

  get refused(): boolean {
    return false;
  }

  writeFiles(files: AgentFile[]): void {
    for (const file of files) this.files.set(file.name, file);
  }

  /** A scripted workspace takes every file. */
  async settleFiles(): Promise<string | null> {
    return null;
  }

  async exec(exec: AgentExec, stdin: Buffer, onOutput?: OutputListener): Promise<AgentExecReport> {
    if (!this.alive) throw new AgentGoneError(`scripted sandbox ${this.id} is ${this.state}`);
    if (this.stopCurrent) throw new Error('an exec is already running in this sandbox');
    const record: ScriptedRunRecord = { exec, stdin };
    this.runs.push(record);
    record.report = await this.execute(exec, stdin, onOutput);
    return record.report;
  }

  async kill(): Promise<void> {
    if (this.state !== 'leased') return;
    this.state = 'killed';
    if (this.killDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.killDelayMs));
    this.stopCurrent?.('killed');
  }

  /** Given back to the runtime: gone for good. */
  remove(): void {
    this.stopCurrent?.('killed');
    this.state = 'removed';
  }

  private async execute(exec: AgentExec, stdin: Buffer, onOutput?: OutputListener): Promise<AgentExecReport> {
    const started = Date.now();
    const output = new CappedOutput(exec.outputBytes ?? DEFAULT_OUTPUT_BYTES, onOutput);
    const controller = new AbortController();
    let stopped: Stop | null = null;
    const stoppedPromise = new Promise<null>((resolve) => {
      this.stopCurrent = (why) => {
        stopped ??= why;
        controller.abort(why);
        resolve(null);
      };
    });
    output.onOverflow = () => this.stopCurrent?.('output');
    const timer = exec.timeoutMs ? new WallTimer(started, exec.timeoutMs, () => this.stopCurrent?.('timeout')) : undefined;
    try {
      const run = this.runView(exec, stdin, output, controller.signal);
      const exit = await Promise.race([Promise.resolve().then(() => this.program(run)), stoppedPromise]);
      if (!stopped && exit) {
        if (exit.stdout) output.write('stdout', exit.stdout);
        if (exit.stderr) output.write('stderr', exit.stderr);
      }
      if (stopped === 'killed') throw new AgentGoneError('the sandbox was killed');
      const result = this.resultOf(exit ?? {}, stopped, exec, output, Date.now() - started);
      const { files, collectError } = this.collect(exec, result);
      return { result: { ...result, collectError }, ...output.kept(), files, skipped: [] };
    } finally {
      timer?.clear();
      this.stopCurrent = undefined;
    }
  }

  private runView(exec: AgentExec, stdin: Buffer, output: CappedOutput, signal: AbortSignal): ScriptedRun {
    return {
      sandbox: this,
      exec,
      stdin,
      files: this.files,
      signal,
      stdout: (data) => output.write('stdout', data),
      stderr: (data) => output.write('stderr', data),
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          if (signal.aborted) return;
          const timer = setTimeout(resolve, ms);
          signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
        }),
    };
  }

  private resultOf(exit: ScriptedExit, stopped: Stop | null, exec: AgentExec, output: CappedOutput, wallMs: number): AgentResult {
    const oomKilled = !stopped && (exit.memoryBytes ?? 0) > this.limits.memoryMb * MiB;
    const cpuLimited = !stopped && exec.cpuMs !== undefined && (exit.cpuMs ?? 0) > exec.cpuMs;
    const killed = stopped !== null || oomKilled || cpuLimited;
    const signal = killed ? SIGKILL : (exit.signal ?? null);
    return {
      exitCode: signal === null ? (exit.exitCode ?? 0) : null,
      signal,
      timedOut: stopped === 'timeout',
      cpuLimited,
      outputLimited: stopped === 'output',
      oomKilled,
      wallMs,
      cpuMs: exit.cpuMs ?? 0,
      maxRssBytes: exit.memoryBytes ?? 0,
      ...output.written(),
      collectError: null,
      skippedCount: 0,
      execError: null,
    };
  }

  /** The workspace after a successful exit, when the exec collects (too large as a whole: collect_error). */
  private collect(exec: AgentExec, result: AgentResult): { files: CollectedFile[]; collectError: string | null } {
    const successful = result.exitCode === 0 && !result.timedOut && !result.cpuLimited && !result.outputLimited && !result.oomKilled;
    if (!exec.collect || !successful) return { files: [], collectError: null };
    const files = [...this.files.values()];
    const bytes = files.reduce((sum, file) => sum + file.content.length, 0);
    if (bytes > (exec.collectMaxBytes ?? DEFAULT_COLLECT_MAX_BYTES)) return { files: [], collectError: 'too_large' };
    return { files: files.map((file) => ({ name: Buffer.from(file.name), mode: file.mode, content: file.content })), collectError: null };
  }
}

/** stdout and stderr together capped as the agent caps them; what is past the cap is counted, not kept. */
class CappedOutput {
  onOverflow?: () => void;
  private readonly chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  private readonly bytes = { stdout: 0, stderr: 0 };
  private keptBytes = 0;

  constructor(
    private readonly cap: number,
    private readonly listener?: OutputListener,
  ) {}

  write(stream: 'stdout' | 'stderr', data: string | Buffer): void {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    this.bytes[stream] += chunk.length;
    const room = this.cap - this.keptBytes;
    const kept = chunk.subarray(0, Math.max(0, room));
    if (kept.length > 0) {
      this.keptBytes += kept.length;
      this.chunks[stream].push(kept);
      this.listener?.(stream, kept);
    }
    if (chunk.length > room) this.onOverflow?.();
  }

  kept(): { stdout: Buffer; stderr: Buffer } {
    return { stdout: Buffer.concat(this.chunks.stdout), stderr: Buffer.concat(this.chunks.stderr) };
  }

  written(): { stdoutBytes: number; stderrBytes: number } {
    return { stdoutBytes: this.bytes.stdout, stderrBytes: this.bytes.stderr };
  }
}

/**
 * Fires once `ms` have passed on the wall clock the result is measured with.
 * Node may run a timer a millisecond early by Date.now() (its loop clock is
 * cached), and a real sandbox never stops a program before its time limit.
 */
class WallTimer {
  private timer: NodeJS.Timeout;

  constructor(private readonly started: number, private readonly ms: number, private readonly fire: () => void) {
    this.timer = setTimeout(() => this.check(), ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }

  private check(): void {
    const left = this.started + this.ms - Date.now();
    if (left <= 0) this.fire();
    else this.timer = setTimeout(() => this.check(), left);
  }
}
