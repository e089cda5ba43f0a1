import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { inSpan } from '@kiln/telemetry';
import { AgentExec, AgentResult } from '../agent/agent-frames';
import { AgentExecReport, AgentFile, LiveInput, OutputListener } from '../agent/agent-session';
import { SandboxLease, SandboxUnresponsiveError } from '../sandbox/sandbox-lease';
import { SandboxLimits, SandboxRuntime } from '../sandbox/sandbox-runtime';

export interface TaskSandboxRequest {
  jobId: string;
  taskId: string;
  image: string;
  limits: SandboxLimits;
  /** The sandbox leaves the pool for good: no other lease waits for it to come back (SandboxRequest.dedicated). */
  dedicated?: boolean;
}

/** How one run in a leased sandbox goes beyond its exec and stdin. */
export interface RunOptions {
  /** Output as the program writes it, within the exec's cap. */
  onOutput?: OutputListener;
  /** An agent that cannot answer: judged a timeout of the program (a task), or thrown (a session, whose sandbox is then gone for good). */
  unresponsive?: 'timeout' | 'throw';
  /** Makes the run interactive (SandboxProgram.live). */
  live?: LiveInput;
  /** Nothing is sent to the sandbox after this run (SandboxProgram.last). */
  last?: boolean;
}

export interface SandboxExecution extends TaskSandboxRequest {
  files: AgentFile[];
  exec: AgentExec;
  stdin: Buffer;
  onOutput?: OutputListener;
}

/**
 * Program executions in sandboxes. Every sandbox serves one task of one job
 * and is given back after it, whatever happens, off the answer's path.
 */
@Injectable()
export class SandboxExecutor {
  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly config: KilnConfig,
  ) {}

  /** Leases a fresh sandbox to `use` and gives it back afterwards. */
  async withSandbox<T>(request: TaskSandboxRequest, use: (sandbox: SandboxLease) => Promise<T>): Promise<T> {
    const sandbox = await this.lease(request);
    try {
      return await use(sandbox);
    } finally {
      this.release(sandbox);
    }
  }

  /** A fresh sandbox for a part of the job's task (`taskId`: the task, or a part of it such as its checker); give it back with release(). */
  lease({ jobId, taskId, image, limits, dedicated }: TaskSandboxRequest): Promise<SandboxLease> {
    const request = { owner: { id: jobId, part: taskId }, image, limits, ...(dedicated ? { dedicated } : {}) };
    return inSpan('kiln.sandbox.acquire', { 'kiln.image': image }, () => this.runtime.lease(request));
  }

  release(sandbox: SandboxLease): void {
    this.runtime.release(sandbox);
  }

  /**
   * One command in a sandbox that already holds its files; an unresponsive
   * agent counts as a timeout (its sandbox is killed: a task's lease ends
   * with it), unless `unresponsive` is 'throw'.
   */
  async run(sandbox: SandboxLease, exec: AgentExec, stdin: Buffer, { onOutput, unresponsive = 'timeout', live, last }: RunOptions = {}): Promise<AgentExecReport> {
    const withDefaults = {
      fsizeBytes: this.config.sandbox.fileSizeMb * 1024 * 1024,
      nofile: this.config.sandbox.nofile,
      ...exec,
    };
    try {
      return await inSpan('kiln.program.run', { 'kiln.command': exec.argv[0] }, () => sandbox.run({ exec: withDefaults, stdin, onOutput, live, last }));
    } catch (error) {
      if (error instanceof SandboxUnresponsiveError && unresponsive === 'timeout') return unresponsiveReport(exec);
      throw error;
    }
  }

  /** Lease, send files, run one command (the lease's last), give back. */
  execute(execution: SandboxExecution): Promise<AgentExecReport> {
    return this.withSandbox(execution, (sandbox) => {
      sandbox.writeFiles(execution.files);
      return this.run(sandbox, execution.exec, execution.stdin, { onOutput: execution.onOutput, last: true });
    });
  }
}

/** An agent that cannot answer within the limit is judged as a timeout of the program. */
function unresponsiveReport(exec: AgentExec): AgentExecReport {
  const result: AgentResult = {
    exitCode: null,
    signal: 9,
    timedOut: true,
    cpuLimited: false,
    outputLimited: false,
    oomKilled: false,
    wallMs: exec.timeoutMs ?? 0,
    cpuMs: 0,
    maxRssBytes: 0,
    stdoutBytes: 0,
    stderrBytes: 0,
    collectError: null,
    skippedCount: 0,
    execError: null,
  };
  return { result, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), files: [], skipped: [] };
}
