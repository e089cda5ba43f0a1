import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { CHECKER_FILES_DIR, CheckerJudgement, CheckerPlan, JobInput, judgementOfChecker, LanguageDefinition, LanguageRegistry, TaskPayload, Verdict } from '@kiln/tasks';
import { AgentFile, AgentRefusedError } from '../agent/agent-session';
import { SandboxLease } from '../sandbox/sandbox-lease';
import { JobScratchStore } from './job-scratch.store';
import { checkerProgram, runExecOf, runSandboxLimits, sourceFiles } from './program-files';
import { SandboxExecutor } from './sandbox-executor';
import { outcomeOf } from './stage-result.mapper';

const MiB = 1024 * 1024;

/** What a checker is given for one test: testlib's three files. */
export interface CheckedTest {
  index: number;
  input: Buffer;
  output: Buffer;
  answer: Buffer;
}

interface CheckerSetup {
  task: TaskPayload;
  plan: CheckerPlan;
  language: LanguageDefinition;
  input: JobInput;
  /** The checker's program: its compile artifact, or its sources. */
  files: AgentFile[];
  /** What the test files may fill of a checker sandbox's workspace before the next test gets a fresh one. */
  workspaceBytes: number;
}

/** Sets up the checker of a test batch (README, "Custom checkers"); null for a job without one. */
@Injectable()
export class TestCheckers {
  constructor(
    private readonly languages: LanguageRegistry,
    private readonly scratch: JobScratchStore,
    private readonly executor: SandboxExecutor,
    private readonly config: KilnConfig,
  ) {}

  async forBatch(task: TaskPayload, input: JobInput): Promise<BatchChecker | null> {
    const plan = task.checker;
    if (!plan) return null;
    const files = plan.compiled ? await this.scratch.readArtifact({ jobId: task.jobId, program: 'checker' }) : sourceFiles(checkerProgram(input, []));
    const setup = { task, plan, language: this.languages.get(plan.language), input, files, workspaceBytes: (this.config.sandbox.workspaceMb * MiB) / 2 };
    return new BatchChecker(this.executor, setup);
  }
}

/**
 * The checker of one batch, run once per test as `<checker> input output
 * answer` in a sandbox of its own (another lease of the job, under the
 * checker's limits and the same sandbox rules as every program), never the
 * program's: the batch runner calls it once the program's sandbox is given
 * back. The sandbox is leased at the first test to check and serves the
 * batch's later tests (each test's files under their own names), unless a run
 * hit a limit or was refused, or the test files filled half its workspace:
 * then the next test gets a fresh one. Whatever the checker does is its
 * judgement or its own error (CHECKER_ERROR), never a failure of the task.
 */
export class BatchChecker {
  private sandbox: SandboxLease | null = null;
  private written = 0;

  constructor(
    private readonly executor: SandboxExecutor,
    private readonly setup: CheckerSetup,
  ) {}

  async judge(test: CheckedTest): Promise<CheckerJudgement> {
    const dir = `${CHECKER_FILES_DIR}/${test.index}`;
    const files = (['input', 'output', 'answer'] as const).map((name) => ({ name: `${dir}/${name}`, mode: 0o644, content: test[name] }));
    const { language, plan, input } = this.setup;
    const exec = runExecOf(language, checkerProgram(input, files.map((file) => file.name)), plan.limits, plan.limits.outputBytes);
    const sandbox = await this.sandboxFor(files);
    try {
      const report = await this.executor.run(sandbox, exec, Buffer.alloc(0));
      return judgementOfChecker({ ...outcomeOf(report), startError: report.result.execError }, report.stderr);
    } catch (error) {
      if (!(error instanceof AgentRefusedError)) throw error;
      return { verdict: Verdict.CHECKER_ERROR, message: '', error: `the checker's sandbox refused its files: ${error.message}` };
    } finally {
      if (!sandbox.reusable) this.retire();
    }
  }

  /** Gives the sandbox back (call once the batch is done). */
  release(): void {
    this.retire();
  }

  private async sandboxFor(files: AgentFile[]): Promise<SandboxLease> {
    const bytes = files.reduce((sum, file) => sum + file.content.length, 0);
    if (this.sandbox && this.written + bytes > this.setup.workspaceBytes) this.retire();
    if (!this.sandbox) {
      const { task, language, plan } = this.setup;
      const request = { jobId: task.jobId, taskId: `${task.taskId}-checker`, image: language.image, limits: runSandboxLimits(plan.limits) };
      this.sandbox = await this.executor.lease(request);
      this.sandbox.writeFiles(this.setup.files);
      this.written = 0;
    }
    this.sandbox.writeFiles(files);
    this.written += bytes;
    return this.sandbox;
  }

  private retire(): void {
    if (this.sandbox) this.executor.release(this.sandbox);
    this.sandbox = null;
  }
}
