import { Injectable } from '@nestjs/common';
import {
  DEFAULT_RUN_OPTIONS,
  JobInput,
  LanguageDefinition,
  LanguageRegistry,
  RunOptions,
  TaskPayload,
  TaskResult,
  ReportedTest,
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

interface Batch {
  task: TaskPayload;
  language: LanguageDefinition;
  input: JobInput;
  exec: AgentExec;
  options: RunOptions;
}

/**
 * Runs one batch of a job's test cases: one sandbox for the batch (a
 * container never serves two jobs, but serves the tests of one batch), the
 * program's files written once, then one exec per test with that test's stdin.
 * The workspace is not reset between tests: files a test writes are visible
 * to the later tests of the same batch (never to other batches).
 */
@Injectable()
export class TestBatchRunner {
  constructor(
    private readonly languages: LanguageRegistry,
    private readonly scratch: JobScratchStore,
    private readonly executor: SandboxExecutor,
    private readonly metrics: WorkerMetrics,
  ) {}

  async run(task: TaskPayload, input: JobInput): Promise<TaskResult> {
    const language = this.languages.get(task.language);
    const files = task.useArtifact ? await this.scratch.readArtifact(task.jobId) : sourceFiles(input);
    // Every test has the same share of the budget, so one cap serves them all.
    const outputBytes = OutputRecorder.forTask(task).agentCap(task.limits.outputBytes);
    const exec = runExecOf(language, input, task.limits, outputBytes);
    const batch: Batch = { task, language, input, exec, options: task.options ?? DEFAULT_RUN_OPTIONS };
    const request = { jobId: task.jobId, taskId: task.taskId, image: language.image, limits: runSandboxLimits(task.limits) };
    const tests = await this.executor.withSandbox(request, (sandbox) => {
      sandbox.writeFiles(files);
      return this.runTests(sandbox, batch, task.tests ?? []);
    });
    return { tests };
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
    const report = await this.executor.run(sandbox, batch.exec, Buffer.from(test.stdinBase64, 'base64'), recorder.listener);
    const recorded = recorder.finish();
    const judged = judgedReport(report, recorded);
    const expected = test.expectedBase64 === undefined ? undefined : Buffer.from(test.expectedBase64, 'base64');
    const verdict = verdictOfTest(runVerdictOf(judged, batch.language), judged.stdout, expected, batch.options.comparison);
    const result = { index, ...stageResultOf(judged, recorded, verdict) };
    this.metrics.execution('run', batch.language.id, result);
    return result;
  }
}
