import { Injectable } from '@nestjs/common';
import {
  DEFAULT_RUN_OPTIONS,
  JobInput,
  judgingOf,
  judgementFields,
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
import { InteractorPairs } from './interactor-pair';
import { SandboxLease } from '../sandbox/sandbox-lease';
import { JobScratchStore } from './job-scratch.store';
import { OutputFileCollector } from './output-file.collector';
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
  /** Whether the job has a custom checker, which judges each test the program passed cleanly (else the comparison judges). */
  checked: boolean;
}

/** A test as the program's sandbox left it: judged already, or waiting for the checker. */
interface RanTest {
  result: ReportedTest;
  /** The checker's files, when it still has to judge (the run ended cleanly), and the stage to give its verdict. */
  toCheck?: { test: CheckedTest; stage: (verdict: Verdict) => ReportedStage };
}

/**
 * Runs one batch of a job's test cases: one sandbox for the batch (a
 * container never serves two jobs, but serves the tests of one batch), the
 * program's files written once, then one exec per test with that test's stdin.
 * The workspace is not reset between tests: files a test writes are visible
 * to the later tests of the same batch (never to other batches).
 *
 * A job's custom checker judges once the program's sandbox is given back, in
 * sandboxes of its own (test-checker.ts): a task never holds two sandboxes,
 * so two leases of one task never wait for each other in a pool that lends
 * its containers again (nested mode), and the program's timing never shares
 * the machine with its checker. With stopOnFirstFailure the program's runs
 * stop at the first failure they show themselves, and the checking at the
 * first failure it finds; the tests after it are not reported.
 */
@Injectable()
export class TestBatchRunner {
  constructor(
    private readonly languages: LanguageRegistry,
    private readonly scratch: JobScratchStore,
    private readonly executor: SandboxExecutor,
    private readonly metrics: WorkerMetrics,
    private readonly checkers: TestCheckers,
    private readonly outputFiles: OutputFileCollector,
    private readonly interactors: InteractorPairs,
  ) {}

  async run(task: TaskPayload, input: JobInput): Promise<TaskResult> {
    // An interactive problem's tests: one game with the interactor each (interactor-pair.ts).
    if (input.interactor) return this.interactors.runTests(task, input);
    const language = this.languages.get(task.language);
    const files = task.useArtifact ? await this.scratch.readArtifact({ jobId: task.jobId }) : sourceFiles(input);
    // Every test has the same share of the budget, so one cap serves them all.
    const outputBytes = OutputRecorder.forTask(task).agentCap(task.limits.outputBytes);
    const exec = runExecOf(language, input, task.limits, outputBytes);
    const checker = await this.checkers.forBatch(task, input);
    const batch: Batch = { task, language, input, exec, options: task.options ?? DEFAULT_RUN_OPTIONS, checked: checker !== null };
    const request = { jobId: task.jobId, taskId: task.taskId, image: language.image, limits: runSandboxLimits(task.limits) };
    const ran = await this.executor.withSandbox(request, (sandbox) => {
      sandbox.writeFiles(files);
      return this.runTests(sandbox, batch, task.tests ?? []);
    });
    const tests = checker ? await this.check(checker, ran, batch.options.stopOnFirstFailure) : ran.map((test) => test.result);
    for (const test of tests) this.metrics.execution('run', language.id, test);
    return { tests };
  }

  /** In order; with stopOnFirstFailure the batch ends at its first failing test. */
  private async runTests(sandbox: SandboxLease, batch: Batch, indices: number[]): Promise<RanTest[]> {
    const results: RanTest[] = [];
    for (const index of indices) {
      const ran = await this.runTest(sandbox, batch, index);
      results.push(ran);
      if (batch.options.stopOnFirstFailure && ran.result.verdict !== Verdict.OK) break;
    }
    return results;
  }

  private async runTest(sandbox: SandboxLease, batch: Batch, index: number): Promise<RanTest> {
    const test = batch.input.tests?.[index];
    if (!test) throw new Error(`test ${index} is not in the job's input`);
    const recorder = OutputRecorder.forTask(batch.task);
    const stdin = Buffer.from(test.stdinBase64, 'base64');
    const report = await this.executor.run(sandbox, batch.exec, stdin, { onOutput: recorder.listener });
    const recorded = recorder.finish();
    const judged = judgedReport(report, recorded);
    const runVerdict = runVerdictOf(judged, batch.language);
    // The program's files are collected now, in its own sandbox; a checker decides the verdict later.
    const withFiles = await this.outputFiles.withFiles(stageResultOf(judged, recorded, runVerdict), sandbox, batch.task, batch.language, recorded);
    const stage = (verdict: Verdict): ReportedStage => ({ ...withFiles, verdict });
    if (!batch.checked || runVerdict !== Verdict.OK) {
      return { result: { index, ...stage(verdictOfTest(runVerdict, judged.stdout, expectedOf(test), judgingOf(test, batch.options))) } };
    }
    const answer = expectedOf(test) ?? Buffer.alloc(0);
    return { result: { index, ...stage(runVerdict) }, toCheck: { test: { index, input: stdin, output: judged.stdout, answer }, stage } };
  }

  /** The checker judges the tests the program passed cleanly, in order, and is given back. */
  private async check(checker: BatchChecker, ran: RanTest[], stopOnFirstFailure: boolean): Promise<ReportedTest[]> {
    const results: ReportedTest[] = [];
    try {
      for (const { result, toCheck } of ran) {
        const judged = toCheck ? await this.checked(checker, toCheck.test, toCheck.stage) : result;
        results.push(judged);
        if (stopOnFirstFailure && judged.verdict !== Verdict.OK) break;
      }
    } finally {
      checker.release();
    }
    return results;
  }

  /** A test judged by the checker: its verdict, message, points, or why it could not judge. */
  private async checked(checker: BatchChecker, test: CheckedTest, stage: (verdict: Verdict) => ReportedStage): Promise<ReportedTest> {
    const judgement = await checker.judge(test);
    return { index: test.index, ...stage(judgement.verdict), ...judgementFields(judgement) };
  }
}

function expectedOf(test: TestCase): Buffer | undefined {
  return test.expectedBase64 === undefined ? undefined : Buffer.from(test.expectedBase64, 'base64');
}
