import type Docker from 'dockerode';
import { AgentExec } from '../agent/agent-frames';
import { AgentExecReport, AgentFile, AgentSession, OutputListener } from '../agent/agent-session';

/** Thrown by exec() when the sandbox was killed on purpose (cancellation). */
export class SandboxKilledError extends Error {}

/** Thrown by exec() when the agent did not answer within the limit plus the kill grace. */
export class SandboxUnresponsiveError extends Error {}

/**
 * One started sandbox container with its agent. Single-use: it belongs to one
 * task of one job and is destroyed after it.
 */
export class Sandbox {
  private killedReason: string | null = null;

  constructor(
    readonly container: Docker.Container,
    readonly jobId: string,
    private readonly session: AgentSession,
    private readonly killGraceMs: number,
  ) {}

  get id(): string {
    return this.container.id;
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
      return await Promise.race([this.session.exec(exec, stdin, onOutput), backstop]);
    } catch (error) {
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
