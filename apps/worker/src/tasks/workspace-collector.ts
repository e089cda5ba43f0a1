import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { Verdict, verdictOfExecution } from '@kiln/tasks';
import { AgentResult } from '../agent/agent-frames';
import { Sandbox } from '../sandbox/sandbox';
import { collectStepExec, parseListing } from './collect-step';
import { KeptWorkspace, keptWorkspace } from './collected-workspace';
import { SandboxExecutor } from './sandbox-executor';

const MiB = 1024 * 1024;

/** The workspace as an artifact, or the sentence that says why it cannot be one (the program's doing). */
export type CollectedWorkspace = { kept: KeptWorkspace } | { notKept: string };

/**
 * Turns what a successful compile left in its sandbox into the artifact of
 * its run tasks (collect-step.ts). Whatever the program left there ends as
 * kept files, skipped paths or a reason it cannot be kept: never as an error.
 * Only a collect step that cannot start at all (an image without `sh`) is
 * Kiln's own failure.
 */
@Injectable()
export class WorkspaceCollector {
  constructor(
    private readonly executor: SandboxExecutor,
    private readonly config: KilnConfig,
  ) {}

  async collect(sandbox: Sandbox, timeoutMs: number): Promise<CollectedWorkspace> {
    const report = await this.executor.run(sandbox, collectStepExec(timeoutMs, this.maxBytes), Buffer.alloc(0));
    const { result } = report;
    // `chdir: …` is the program's doing (it took the workspace's permissions away); anything else is the image's.
    if (result.execError && !result.execError.startsWith('chdir')) {
      throw new Error(`the collect step cannot run in ${sandbox.warm.image}: ${result.execError}`);
    }
    const stopped = whyStopped(result, timeoutMs);
    if (stopped) return { notKept: stopped };
    if (result.collectError) return { notKept: this.collectErrorText(result.collectError) };
    return { kept: keptWorkspace(report.files, parseListing(report.stdout)) };
  }

  private get maxBytes(): number {
    return this.config.sandbox.artifactMaxMb * MiB;
  }

  private collectErrorText(error: string): string {
    switch (error) {
      case 'too_large':
        return `its files are larger than ${this.config.sandbox.artifactMaxMb} MiB together (too_large)`;
      case 'too_many_files':
        return 'it has more than 10000 files (too_many_files)';
      case 'workspace_unreadable':
        return 'the workspace is unreadable (workspace_unreadable)';
      default:
        return `its workspace could not be collected (${error})`;
    }
  }
}

function whyStopped(result: AgentResult, timeoutMs: number): string | null {
  switch (verdictOfExecution(result)) {
    case Verdict.OK:
      return null;
    case Verdict.TIMEOUT:
      return `listing its workspace took longer than ${timeoutMs} ms`;
    case Verdict.MEMORY_LIMIT:
      return 'listing its workspace ran out of memory';
    case Verdict.OUTPUT_LIMIT:
      return 'listing its workspace wrote too much';
    default:
      return `listing its workspace failed (${result.execError ?? `exit code ${result.exitCode}, signal ${result.signal}`})`;
  }
}
