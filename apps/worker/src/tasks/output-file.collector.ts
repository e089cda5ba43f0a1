import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { LanguageDefinition, ReportedStage, TaskPayload } from '@kiln/tasks';
import { AgentExec } from '../agent/agent-frames';
import { SandboxKilledError, SandboxLease } from '../sandbox/sandbox-lease';
import { returnedFiles, ReturnedFiles } from './output-files';
import { RecordedOutput } from './output-recorder';
import { programEnvironment } from './program-files';
import { SandboxExecutor } from './sandbox-executor';

const MiB = 1024 * 1024;
/** The collecting exec's own limit: `true` ends at once; the collection after it is bounded by its bytes. */
const COLLECT_TIMEOUT_MS = 10_000;
const NOT_COLLECTED: ReturnedFiles = { files: [], truncated: true, budgetUsed: 0 };

/**
 * Output files (a job's `outputFiles`): after the program's run, one more
 * exec in the same sandbox, `true`, that asks the agent to collect the
 * workspace at its end (docs/agent-protocol.md: regular files only, never a
 * symlink followed), so the program's files come back whatever its own exit
 * was: a program that wrote its plot and then failed still returns it. The
 * worker keeps the files that match and fit (output-files.ts).
 */
@Injectable()
export class OutputFileCollector {
  constructor(
    private readonly config: KilnConfig,
    private readonly executor: SandboxExecutor,
  ) {}

  /** Whether the job asked for output files: withFiles() then runs one more exec in the sandbox. */
  wanted(task: TaskPayload): boolean {
    return (task.options?.outputFiles?.length ?? 0) > 0;
  }

  /**
   * The stage with its output files, their bytes counted in the budget it
   * used; the stage unchanged when the job asked for none. A sandbox that
   * cannot collect (killed by a limit's backstop, a workspace too large)
   * returns none and says filesTruncated; a cancel goes on as a cancel.
   */
  async withFiles<T extends ReportedStage>(stage: T, sandbox: SandboxLease, task: TaskPayload, language: LanguageDefinition, recorded: RecordedOutput): Promise<T> {
    const patterns = task.options?.outputFiles;
    if (!patterns || !this.wanted(task)) return stage;
    const room = (task.outputBudget ?? Number.MAX_SAFE_INTEGER) - recorded.budgetUsed;
    const returned = await this.collect(sandbox, language, { patterns, room, maxFiles: this.config.jobs.outputFiles.maxFiles });
    return {
      ...stage,
      files: returned.files,
      ...(returned.truncated ? { filesTruncated: true } : {}),
      budgetUsed: (stage.budgetUsed ?? 0) + returned.budgetUsed,
    };
  }

  private async collect(sandbox: SandboxLease, language: LanguageDefinition, selection: Parameters<typeof returnedFiles>[1]): Promise<ReturnedFiles> {
    const exec: AgentExec = {
      argv: ['true'],
      env: programEnvironment(language),
      timeoutMs: COLLECT_TIMEOUT_MS,
      outputBytes: 1024,
      collect: true,
      collectMaxBytes: this.config.sandbox.artifactMaxMb * MiB,
      skippedMax: 0,
    };
    try {
      const report = await this.executor.run(sandbox, exec, Buffer.alloc(0));
      const r = report.result;
      if (r.exitCode !== 0 || r.timedOut || r.collectError) return NOT_COLLECTED;
      return returnedFiles(report.files, selection);
    } catch (error) {
      if (error instanceof SandboxKilledError) throw error;
      return NOT_COLLECTED;
    }
  }
}
