import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { AgentExec, AgentResult } from '../agent/agent-frames';
import { AgentExecReport, AgentFile, OutputListener } from '../agent/agent-session';
import { SandboxLimits } from '../sandbox/container-spec';
import { SandboxUnresponsiveError } from '../sandbox/sandbox';
import { SandboxFactory } from '../sandbox/sandbox-factory';

export interface SandboxExecution {
  jobId: string;
  taskId: string;
  image: string;
  limits: SandboxLimits;
  files: AgentFile[];
  exec: AgentExec;
  stdin: Buffer;
  onOutput?: OutputListener;
}

/**
 * One program execution in a fresh sandbox: create, send files, run, destroy.
 * The container is removed whatever happens, off the answer's path.
 */
@Injectable()
export class SandboxExecutor {
  constructor(
    private readonly sandboxes: SandboxFactory,
    private readonly config: KilnConfig,
  ) {}

  async execute(execution: SandboxExecution): Promise<AgentExecReport> {
    const sandbox = await this.sandboxes.create({
      image: execution.image,
      limits: execution.limits,
      jobId: execution.jobId,
      taskId: execution.taskId,
    });
    try {
      sandbox.writeFiles(execution.files);
      const exec = {
        fsizeBytes: this.config.sandbox.fileSizeMb * 1024 * 1024,
        nofile: this.config.sandbox.nofile,
        ...execution.exec,
      };
      return await sandbox.exec(exec, execution.stdin, execution.onOutput);
    } catch (error) {
      if (error instanceof SandboxUnresponsiveError) return unresponsiveReport(execution.exec);
      throw error;
    } finally {
      this.sandboxes.destroy(sandbox);
    }
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
    execError: null,
  };
  return { result, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), files: [] };
}
