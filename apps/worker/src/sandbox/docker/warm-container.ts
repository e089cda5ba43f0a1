import type Docker from 'dockerode';
import { AgentExec } from '../../agent/agent-frames';
import { AgentExecReport, AgentFile, AgentGoneError, AgentSession, LiveInput, OutputListener } from '../../agent/agent-session';
import { SandboxBody } from '../sandbox-lease';
import { SandboxLimits } from '../sandbox-runtime';
import { programDeathReport } from './sandbox-death';
import { PooledContainer } from './pooled-container';

/**
 * A started sandbox container whose agent has said hello: what the pool keeps
 * ready and lends out, and what a lease runs programs in. `limits` are the
 * cgroup limits it has now (the pool changes them with the update API when a
 * task needs others).
 */
export class WarmContainer implements PooledContainer, SandboxBody {
  tasksServed = 0;
  readonly startedAt = Date.now();
  private renaming: Promise<unknown> = Promise.resolve();
  /** Named after the owner it serves (not its ready name). */
  private namedAfterOwner = false;
  /** Kiln killed it (a cancel, a backstop): its end is never the program's doing. */
  private killed = false;
  private ownerName?: NodeJS.Timeout;

  constructor(
    readonly container: Docker.Container,
    readonly session: AgentSession,
    readonly image: string,
    public limits: SandboxLimits,
    /** Its agent supervises nested sandboxes (docker-tier.ts, sandboxPerTask): a task's sandbox ends after the task. */
    private readonly sandboxPerTask = false,
  ) {}

  get id(): string {
    return this.container.id;
  }

  get alive(): boolean {
    return !this.session.isGone;
  }

  get refused(): boolean {
    return this.session.hasRefused;
  }

  settleFiles(timeoutMs: number): Promise<string | null> {
    return this.session.settleFiles(timeoutMs);
  }

  ping(timeoutMs: number): Promise<void> {
    return this.session.ping(timeoutMs);
  }

  async updateLimits(update: Record<string, number>): Promise<void> {
    await this.container.update(update);
  }

  onGone(listener: () => void): void {
    this.session.onGone(listener);
  }

  async renewSandbox(timeoutMs: number): Promise<void> {
    const next = this.session.helloCount + 1;
    // Already told to end with the task's last run (exec below).
    if (!this.session.ending) this.session.quit();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the next sandbox did not start')), timeoutMs);
    });
    try {
      await Promise.race([this.session.helloNumber(next), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  writeFiles(files: AgentFile[]): void {
    this.session.writeFiles(files);
  }

  /** A container that died mid-exec of the program's doing (its memory, or under gVisor its processes: sandbox-death.ts) answers with the program's verdict, not as a failure. */
  async exec(exec: AgentExec, stdin: Buffer, onOutput?: OutputListener, live?: LiveInput, last = false): Promise<AgentExecReport> {
    const running = this.session.exec(exec, stdin, onOutput, live);
    // The task's nested sandbox ends with its last run: the Q leaves in the same write as the exec, and the
    // agent reads it only after its R (images/agent/exec.c, take_live_frame). Not after an interactive exec:
    // its live input frames, sent later, would queue behind the Q and never reach the program.
    if (last && !live && this.sandboxPerTask && !this.session.ending) this.session.quit();
    try {
      return await running;
    } catch (error) {
      const report = error instanceof AgentGoneError ? await programDeathReport(this.container, error, this.limits, this.killed, onOutput) : null;
      if (report) return report;
      throw error;
    }
  }

  async kill(): Promise<void> {
    this.killed = true;
    await this.container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
  }

  /**
   * Names the container after the owner it now serves, so `docker ps` (and
   * the tests) can tell a job's container: after `delayMs` of service, or at
   * once (0). A task that ends sooner never has it renamed at all.
   */
  nameAfterOwner(name: string, delayMs: number): void {
    clearTimeout(this.ownerName);
    const named = () => {
      if (!this.alive) return;
      this.namedAfterOwner = true;
      this.rename(name);
    };
    if (delayMs <= 0) named();
    else this.ownerName = setTimeout(named, delayMs);
  }

  nameReady(name: string): void {
    clearTimeout(this.ownerName);
    if (!this.namedAfterOwner) return;
    this.namedAfterOwner = false;
    this.rename(name);
  }

  /**
   * Renames run in order, off the task's path; a failure (the container is
   * gone) doesn't matter.
   */
  private rename(name: string): void {
    // setImmediate: building the request waits until the task's frames are written.
    const next = () => new Promise<void>((done) => setImmediate(done));
    this.renaming = this.renaming.then(next).then(() => this.container.rename({ name }).catch(() => undefined));
  }
}
