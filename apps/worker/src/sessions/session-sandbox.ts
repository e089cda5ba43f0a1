import { AgentExec } from '../agent/agent-frames';
import { AgentExecReport, AgentFile, AgentGoneError, OutputListener } from '../agent/agent-session';
import { SandboxFileRefusedError, SandboxKilledError, SandboxLease, SandboxReleasedError, SandboxUnresponsiveError } from '../sandbox/sandbox-lease';
import { SandboxExecutor } from '../tasks/sandbox-executor';
import { SessionError } from './session-error';

/**
 * One session's sandbox as its requests use it: the dedicated lease, every
 * exec in the workspace with the language's environment, and a sandbox that
 * died (killed, its container gone, its agent silent past the backstop) said
 * once, as the end of the session (sandbox-gone): a sandbox that did not
 * answer within a run's limit plus sandbox.killGraceMs is killed by the
 * lease's backstop, so it is gone too.
 */
export class SessionSandbox {
  constructor(
    readonly lease: SandboxLease,
    private readonly executor: SandboxExecutor,
    private readonly env: Record<string, string>,
    /** The CPU a kept program (a context) may use in all: the session's lifetime at its cores. */
    private readonly keptCpuMs: number,
  ) {}

  async run(exec: AgentExec, stdin: Buffer, onOutput?: OutputListener): Promise<AgentExecReport> {
    const full: AgentExec = { env: this.env, ...exec, ...(exec.keep ? { cpuMs: this.keptCpuMs } : {}) };
    const report = await this.guard(() => this.executor.run(this.lease, full, stdin, onOutput, 'throw'));
    if (!this.lease.alive) throw gone();
    return report;
  }

  /** Writes files, confirmed; a refused one is SandboxFileRefusedError (the session goes on). */
  async putFiles(files: AgentFile[]): Promise<void> {
    await this.guard(() => this.lease.putFiles(files));
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof SandboxFileRefusedError) throw error;
      const ended = [AgentGoneError, SandboxKilledError, SandboxReleasedError, SandboxUnresponsiveError].some((type) => error instanceof type);
      if (ended || !this.lease.alive) {
        throw gone();
      }
      throw error;
    }
  }
}

function gone(): SessionError {
  return new SessionError('sandbox-gone', "the session's sandbox ended");
}
