import { AgentExec } from '../agent/agent-frames';
import { setTimeout as pause } from 'node:timers/promises';
import { AgentExecReport, AgentFile, AgentGoneError, AgentRefusedError, OutputListener } from '../agent/agent-session';
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
    const report = await this.guard(() => this.startOnceThereIsRoom(full, stdin, onOutput));
    if (!this.lease.alive) throw gone();
    return report;
  }

  /**
   * The agent could not fork the exec for want of processes or memory:
   * the programs of a run just killed (a fork bomb's, a context stopped)
   * hold both until the agent reaps them, which it does as the next exec
   * arrives. Nothing of the exec ran, so it is sent again for a moment; a
   * sandbox still full after that is full of the session's own programs.
   */
  private async startOnceThereIsRoom(exec: AgentExec, stdin: Buffer, onOutput?: OutputListener): Promise<AgentExecReport> {
    const deadline = Date.now() + NO_ROOM_RETRY_MS;
    for (;;) {
      try {
        return await this.executor.run(this.lease, exec, stdin, { onOutput, unresponsive: 'throw' });
      } catch (error) {
        if (!(error instanceof AgentRefusedError) || !NO_ROOM.test(error.message)) throw error;
        if (Date.now() >= deadline) throw noRoom(error.message);
        await pause(NO_ROOM_PAUSE_MS);
      }
    }
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

/** The agent's refusal of an exec it could not fork (images/agent/exec.c: EAGAIN at the pids limit, ENOMEM). */
const NO_ROOM = /^cannot start program: (Resource temporarily unavailable|Cannot allocate memory)$/;
/** How long killed programs may take to leave: the agent kills at once, the kernel frees them within milliseconds. */
const NO_ROOM_RETRY_MS = 2000;
const NO_ROOM_PAUSE_MS = 50;

function noRoom(refusal: string): SessionError {
  return new SessionError(
    'conflict',
    `the session's sandbox has no room to start the run (${refusal}): its own programs hold all its processes (limits.processes) or its memory (limits.memoryMb), so nothing more starts until some of them end; DELETE the session to end them all`,
  );
}

function gone(): SessionError {
  return new SessionError('sandbox-gone', "the session's sandbox ended");
}
