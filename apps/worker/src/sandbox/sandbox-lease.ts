import { AgentExec } from '../agent/agent-frames';
import { AgentExecReport, AgentFile, LiveInput, OutputListener } from '../agent/agent-session';

/** Thrown by run() when the sandbox was killed on purpose (its owner was cancelled). */
export class SandboxKilledError extends Error {}

/** Thrown by run() when the sandbox did not answer within the limit plus the kill grace. */
export class SandboxUnresponsiveError extends Error {}

/** Thrown by run() on a lease already given back: its sandbox may serve someone else by now. */
export class SandboxReleasedError extends Error {}

/** Thrown by putFiles() when the sandbox could not write a file (the agent's reason); the lease stays usable. */
export class SandboxFileRefusedError extends Error {}

/** How long putFiles waits for the sandbox to have written what it was sent. */
const FILES_SETTLE_MS = 30_000;

/** Who a sandbox serves. */
export interface SandboxOwner {
  /** The job (or, later, the session) that holds it: killing the owner ends all of its sandboxes. */
  id: string;
  /** Which part of the owner it serves (a task id): it names the sandbox, for `docker ps` and the tests. */
  part: string;
}

/** One program run in a leased sandbox. */
export interface SandboxProgram {
  exec: AgentExec;
  stdin: Buffer;
  /** Output as the program writes it, within the exec's cap. */
  onOutput?: OutputListener;
  /** Makes the run interactive: stdin, its end and signals relayed while the program runs. */
  live?: LiveInput;
  /**
   * The lease's last use: nothing more is sent to its sandbox (the lease
   * refuses it), so a sandbox that ends after its task may be told so
   * together with this run (SandboxBody.exec).
   */
  last?: boolean;
}

/**
 * What an adapter lends out: something that runs programs (a started
 * container's agent, the current nested sandbox of a pooled container, a
 * scripted stand-in). The lease alone talks to it.
 */
export interface SandboxBody {
  readonly id: string;
  /** False once it died (killed, removed behind Kiln's back, its agent gone). */
  readonly alive: boolean;
  /** It refused something outside an exec (a file it could not write): it must not serve another owner. */
  readonly refused: boolean;
  writeFiles(files: AgentFile[]): void;
  /** Resolves once every file sent so far is written, with the reason of one that could not be (and forgets it). */
  settleFiles(timeoutMs: number): Promise<string | null>;
  /** `last`: nothing follows this exec in the lease (SandboxProgram.last). */
  exec(exec: AgentExec, stdin: Buffer, onOutput?: OutputListener, live?: LiveInput, last?: boolean): Promise<AgentExecReport>;
  /** Kills it now; a pending exec fails. Never throws. */
  kill(): Promise<void>;
}

/**
 * One sandbox held by one owner until it is released: files go in, programs
 * run one after another (the workspace stays between them), and nobody else
 * gets it meanwhile. It remembers whether every run ended cleanly: after a
 * kill, a timeout or any limit, its sandbox never serves anyone again.
 */
export class SandboxLease {
  private killedReason: string | null = null;
  private clean = true;
  private released = false;
  /** Its last run was sent: nothing more may reach the sandbox. */
  private lastRunSent = false;

  constructor(
    private readonly body: SandboxBody,
    readonly owner: SandboxOwner,
    private readonly killGraceMs: number,
    /** The sandbox is the owner's for good: never reused for another (sandbox-runtime.ts, SandboxRequest). */
    readonly dedicated = false,
  ) {}

  get id(): string {
    return this.body.id;
  }

  /** False once its sandbox died (killed, removed behind Kiln's back, its agent gone). */
  get alive(): boolean {
    return this.body.alive;
  }

  /** Whether its sandbox may serve another owner after this one: not dedicated, and nothing went wrong, not even a refused file. */
  get reusable(): boolean {
    return !this.dedicated && this.clean && this.killedReason === null && this.body.alive && !this.body.refused;
  }

  writeFiles(files: AgentFile[]): void {
    this.refuseReleased();
    this.body.writeFiles(files);
  }

  /**
   * Writes files and waits until the sandbox has: one it could not write
   * (it exists, a directory is in the way, the disk is full) is a
   * SandboxFileRefusedError, and the lease goes on (a session's upload).
   */
  async putFiles(files: AgentFile[]): Promise<void> {
    this.refuseReleased();
    this.body.writeFiles(files);
    const refusal = await this.body.settleFiles(FILES_SETTLE_MS);
    if (refusal) throw new SandboxFileRefusedError(refusal);
  }

  /**
   * Runs one program. The sandbox enforces the limits; this timer is a
   * backstop for a sandbox that cannot answer (e.g. its container was frozen).
   */
  async run({ exec, stdin, onOutput, live, last = false }: SandboxProgram): Promise<AgentExecReport> {
    this.refuseReleased();
    this.lastRunSent = last;
    const backstopMs = (exec.timeoutMs ?? 10_000) + this.killGraceMs;
    let timer: NodeJS.Timeout | undefined;
    const backstop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void this.kill('backstop');
        reject(new SandboxUnresponsiveError(`the sandbox did not answer within ${backstopMs} ms`));
      }, backstopMs);
    });
    try {
      const report = await Promise.race([this.body.exec(exec, stdin, onOutput, live, last), backstop]);
      const { timedOut, cpuLimited, outputLimited, oomKilled, tampered } = report.result;
      if (timedOut || cpuLimited || outputLimited || oomKilled || tampered) this.clean = false;
      return report;
    } catch (error) {
      this.clean = false;
      if (this.killedReason === 'cancelled') throw new SandboxKilledError('the job was cancelled');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the sandbox now; the pending run (if any) fails. Never throws. */
  async kill(reason: string): Promise<void> {
    this.killedReason ??= reason;
    await this.body.kill();
  }

  /** Called by the runtime as it takes the sandbox back: no more runs through this lease. */
  end(): void {
    this.released = true;
  }

  private refuseReleased(): void {
    if (this.released) throw new SandboxReleasedError(`sandbox ${this.id} was given back`);
    if (this.lastRunSent) throw new SandboxReleasedError(`sandbox ${this.id} had its last run`);
  }
}
