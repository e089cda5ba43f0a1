import { Injectable } from '@nestjs/common';
import {
  DEFAULT_RUN_OPTIONS,
  JobInput,
  judgingOf,
  LanguageDefinition,
  LanguageRegistry,
  ReportedStage,
  RunOptions,
  TaskPayload,
  TaskResult,
  ReportedTest,
  TestCase,
  Verdict,
  verdictOfTest,
} from '@kiln/tasks';
import { AgentExec } from '../agent/agent-frames';
import { SandboxLease } from '../sandbox/sandbox-lease';
import { JobScratchStore } from './job-scratch.store';
import { runExecOf, runSandboxLimits, sourceFiles } from './program-files';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { SandboxExecutor } from './sandbox-executor';
import { OutputRecorder } from './output-recorder';
import { judgedReport, runVerdictOf, stageResultOf } from './stage-result.mapper';
import { BatchChecker, CheckedTest, TestCheckers } from './test-checker';

interface Batch {
  task: TaskPayload;
  language: LanguageDefinition;
  input: JobInput;
  exec: AgentExec;
  options: RunOptions;
  /** The job's custom checker, which judges each test the program passed cleanly; null: the comparison judges. */
  checker: BatchChecker | null;
}

/**
 * Runs one batch of a job's test cases: one sandbox for the batch (a
 * container never serves two jobs, but serves the tests of one batch), the
 * program's files written once, then one exec per test with that test's stdin.
 * The workspace is not reset between tests: files a test writes are visible
 * to the later tests of the same batch (never to other batches). A job's
 * custom checker judges in sandboxes of its own (test-checker.ts).
 */
@Injectable()
export class TestBatchRunner {
  constructor(
    private readonly languages: LanguageRegistry,
    private readonly scratch: JobScratchStore,
    private readonly executor: SandboxExecutor,
    private readonly metrics: WorkerMetrics,
    private readonly checkers: TestCheckers,
  ) {}

  async run(task: TaskPayload): Promise<TaskResult> {
    const language = this.languages.get(task.language);
    const input = await this.scratch.readInput(task.jobId);
    const files = task.useArtifact ? await this.scratch.readArtifact({ jobId: task.jobId }) : sourceFiles(input);
    // Every test has the same share of the budget, so one cap serves them all.
    const outputBytes = OutputRecorder.forTask(task).agentCap(task.limits.outputBytes);
    const exec = runExecOf(language, input, task.limits, outputBytes);
    const checker = await this.checkers.forBatch(task, input);
    const batch: Batch = { task, language, input, exec, options: task.options ?? DEFAULT_RUN_OPTIONS, checker };
    const request = { jobId: task.jobId, taskId: task.taskId, image: language.image, limits: runSandboxLimits(task.limits) };
    try {
      const tests = await this.executor.withSandbox(request, (sandbox) => {
        sandbox.writeFiles(files);
        return this.runTests(sandbox, batch, task.tests ?? []);
      });
      return { tests };
    } finally {
      checker?.release();
    }
  }

  /** In order; with stopOnFirstFailure the batch ends at its first failing test. */
  private async runTests(sandbox: SandboxLease, batch: Batch, indices: number[]): Promise<ReportedTest[]> {
    const results: ReportedTest[] = [];
    for (const index of indices) {
      const result = await this.runTest(sandbox, batch, index);
      results.push(result);
      if (batch.options.stopOnFirstFailure && result.verdict !== Verdict.OK) break;
    }
    return results;
  }

  private async runTest(sandbox: SandboxLease, batch: Batch, index: number): Promise<ReportedTest> {
    const test = batch.input.tests?.[index];
    if (!test) throw new Error(`test ${index} is not in the job's input`);
    const recorder = OutputRecorder.forTask(batch.task);
    const stdin = Buffer.from(test.stdinBase64, 'base64');
    const report = await this.executor.run(sandbox, batch.exec, stdin, recorder.listener);
    const recorded = recorder.finish();
    const judged = judgedReport(report, recorded);
    const runVerdict = runVerdictOf(judged, batch.language);
    const stage = (verdict: Verdict) => stageResultOf(judged, recorded, verdict);
    const result = batch.checker && runVerdict === Verdict.OK
      ? await this.checked(batch.checker, { index, input: stdin, output: judged.stdout, answer: expectedOf(test) ?? Buffer.alloc(0) }, stage)
      : { index, ...stage(verdictOfTest(runVerdict, judged.stdout, expectedOf(test), judgingOf(test, batch.options))) };
    this.metrics.execution('run', batch.language.id, result);
    return result;
  }

  /** A test the program passed cleanly, judged by the checker: its verdict, message, points, or why it could not judge. */
  private async checked(checker: BatchChecker, test: CheckedTest, stage: (verdict: Verdict) => ReportedStage): Promise<ReportedTest> {
    const judgement = await checker.judge(test);
    return {
      index: test.index,
      ...stage(judgement.verdict),
      checkerMessage: judgement.message,
      ...(judgement.points !== undefined ? { checkerPoints: judgement.points } : {}),
      ...(judgement.error !== undefined ? { checkerError: judgement.error } : {}),
    };
  }
}

function expectedOf(test: TestCase): Buffer | undefined {
  return test.expectedBase64 === undefined ? undefined : Buffer.from(test.expectedBase64, 'base64');
}
