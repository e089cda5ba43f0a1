import type Docker from 'dockerode';
import { AgentExec } from '../agent/agent-frames';
import { AgentExecReport, AgentFile, AgentSession, OutputListener } from '../agent/agent-session';
import { WarmContainer } from './warm-container';

/** Thrown by exec() when the sandbox was killed on purpose (cancellation). */
export class SandboxKilledError extends Error {}

/** Thrown by exec() when the agent did not answer within the limit plus the kill grace. */
export class SandboxUnresponsiveError extends Error {}

/**
 * One sandbox lent to one task of one job: a started container with its
 * agent (in nested mode, the current nested sandbox of a pooled container).
 * It remembers whether every exec ended cleanly: after a kill, a timeout or
 * any limit, nested mode never gives its container another task.
 */
export class Sandbox {
  private killedReason: string | null = null;
  private clean = true;

  constructor(
    readonly warm: WarmContainer,
    readonly jobId: string,
    private readonly killGraceMs: number,
  ) {}

  get id(): string {
    return this.warm.id;
  }

  get container(): Docker.Container {
    return this.warm.container;
  }

  private get session(): AgentSession {
    return this.warm.session;
  }

  /** Whether its container may serve another task (nested mode): nothing went wrong, not even a refused frame. */
  get reusable(): boolean {
    return this.clean && this.killedReason === null && this.warm.alive && this.session.refusalText === null;
  }

  writeFiles(files: AgentFile[]): void {
    this.session.writeFiles(files);
  }

  /**
   * Runs one command. The agent enforces the limits; the worker's own timer is a
   * backstop for an agent that cannot answer (e.g. the container was frozen).
   */
  async exec(exec: AgentExec, stdin: Buffer, onOutput?: OutputListener): Promise<AgentExecReport> {
    const backstopMs = (exec.timeoutMs ?? 10_000) + this.killGraceMs;
    let timer: NodeJS.Timeout | undefined;
    const backstop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void this.kill('backstop');
        reject(new SandboxUnresponsiveError(`the sandbox did not answer within ${backstopMs} ms`));
      }, backstopMs);
    });
    try {
      const report = await Promise.race([this.session.exec(exec, stdin, onOutput), backstop]);
      const { timedOut, cpuLimited, outputLimited, oomKilled } = report.result;
      if (timedOut || cpuLimited || outputLimited || oomKilled) this.clean = false;
      return report;
    } catch (error) {
      this.clean = false;
      if (this.killedReason === 'cancelled') throw new SandboxKilledError('the job was cancelled');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the container now; the pending exec (if any) fails. Never throws. */
  async kill(reason: string): Promise<void> {
    this.killedReason ??= reason;
    await this.container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
  }

  agentDiagnostics(): string {
    return this.session.diagnosticText();
  }
}
