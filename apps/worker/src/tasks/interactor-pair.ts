import { Injectable } from '@nestjs/common';
import {
  CheckerJudgement,
  DEFAULT_RUN_OPTIONS,
  INTERACTOR_FILES,
  InteractorPlan,
  JobInput,
  judgementFields,
  judgementOfChecker,
  LanguageDefinition,
  LanguageRegistry,
  ReportedStage,
  ReportedTest,
  TaskPayload,
  TaskResult,
  Verdict,
} from '@kiln/tasks';
import { AgentExec } from '../agent/agent-frames';
import { AgentExecReport, AgentFile, AgentRefusedError, LiveControl, LiveInput } from '../agent/agent-session';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { SandboxLease } from '../sandbox/sandbox-lease';
import { JobScratchStore } from './job-scratch.store';
import { OutputRecorder } from './output-recorder';
import { interactorProgram, runExecOf, runSandboxLimits, sourceFiles } from './program-files';
import { SandboxExecutor } from './sandbox-executor';
import { judgedReport, outcomeOf, runVerdictOf, stageResultOf } from './stage-result.mapper';

/** The most of the interactor's stderr the worker keeps: its message is at most CHECKER_MESSAGE_BYTES of it. */
const INTERACTOR_STDERR_BYTES = 64 << 10;
/** Verdicts of the program's own that stand whatever the interactor says: it was stopped by a limit. */
const LIMIT_VERDICTS = new Set([Verdict.TIMEOUT, Verdict.MEMORY_LIMIT, Verdict.OUTPUT_LIMIT]);

/**
 * One end of the wire between the program and the interactor: what one
 * writes on stdout, relayed as the other's live stdin (agent I frames),
 * kept until that exec has started; end() is its stdin's end.
 */
class Wire implements LiveInput {
  private control: LiveControl | null = null;
  private readonly early: Buffer[] = [];
  private ended = false;

  attach(control: LiveControl): () => void {
    this.control = control;
    for (const chunk of this.early.splice(0)) control.write(chunk);
    if (this.ended) control.end();
    return () => (this.control = null);
  }

  write(chunk: Buffer): void {
    if (this.ended) return;
    if (this.control) this.control.write(chunk);
    else this.early.push(chunk);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.control?.end();
  }
}

/** Both sides of a job's interactive problem, ready to play once per run or test. */
interface Pair {
  task: TaskPayload;
  language: LanguageDefinition;
  files: AgentFile[];
  exec: AgentExec;
  interactor: { plan: InteractorPlan; language: LanguageDefinition; files: AgentFile[]; exec: AgentExec };
}

/** What the interactor is given of one game's input: its stdin's start, or (input "file") a file of its workspace. */
interface InteractorInput {
  stdin: Buffer;
  files: AgentFile[];
}

/** The interactor's side of one game: how its exec ended, what it said on stderr (bounded), or why its sandbox refused it. */
interface InteractorSide {
  report: AgentExecReport | null;
  stderr: Buffer;
  refused?: string;
}

/**
 * An interactive problem (JobInput.interactor): for the plain run, or for
 * each test, the program and the interactor each in a fresh sandbox of its
 * own (the program under the job's limits, the interactor under its own),
 * nothing between them but the worker relaying each one's stdout to the
 * other's stdin; the run's or the test's input is the interactor's alone:
 * its stdin's start, or with `input: "file"` its input.txt (testlib's
 * `registerInteraction`; what it writes to output.txt stays in its sandbox).
 * When one ends, the other's stdin ends. The verdict: the interactor's
 * failure (a crash, a limit, testlib's FAIL: CHECKER_ERROR with its reason)
 * is never the program's; else a limit the program hit; else the
 * interactor's judgement by testlib's convention (judgementOfChecker), but a
 * program that crashed although the interactor was content is RUNTIME_ERROR.
 * The interactor waits for the program, so its wall-clock limit counts on
 * top of the program's (its CPU time is its own).
 */
@Injectable()
export class InteractorPairs {
  constructor(
    private readonly languages: LanguageRegistry,
    private readonly scratch: JobScratchStore,
    private readonly executor: SandboxExecutor,
    private readonly metrics: WorkerMetrics,
  ) {}

  /** The plain run: the job's stdin is the interactor's. */
  async run(task: TaskPayload, input: JobInput): Promise<TaskResult> {
    const pair = await this.pairOf(task, input);
    const run = await this.play(pair, Buffer.from(input.stdinBase64, 'base64'));
    this.metrics.execution('run', pair.language.id, run);
    return { run };
  }

  /** A batch of tests, one game each (each test's stdin the interactor's); stopOnFirstFailure ends it at the first failure. */
  async runTests(task: TaskPayload, input: JobInput): Promise<TaskResult> {
    const pair = await this.pairOf(task, input);
    const stopOnFirstFailure = (task.options ?? DEFAULT_RUN_OPTIONS).stopOnFirstFailure;
    const tests: ReportedTest[] = [];
    for (const index of task.tests ?? []) {
      const test = input.tests?.[index];
      if (!test) throw new Error(`test ${index} is not in the job's input`);
      const stage = await this.play(pair, Buffer.from(test.stdinBase64, 'base64'));
      this.metrics.execution('run', pair.language.id, stage);
      tests.push({ index, ...stage });
      if (stopOnFirstFailure && stage.verdict !== Verdict.OK) break;
    }
    return { tests };
  }

  private async pairOf(task: TaskPayload, input: JobInput): Promise<Pair> {
    const plan = task.interactor;
    if (!plan) throw new Error(`the run of job ${task.jobId} came without its interactor`);
    const language = this.languages.get(task.language);
    const files = task.useArtifact ? await this.scratch.readArtifact({ jobId: task.jobId }) : sourceFiles(input);
    const exec = runExecOf(language, input, task.limits, OutputRecorder.forTask(task).agentCap(task.limits.outputBytes));
    const program = interactorProgram(input, plan);
    const interactorLanguage = this.languages.get(plan.language);
    const interactorFiles = plan.compiled ? await this.scratch.readArtifact({ jobId: task.jobId, program: 'interactor' }) : sourceFiles(program);
    const ownExec = runExecOf(interactorLanguage, program, plan.limits, plan.limits.outputBytes);
    const interactorExec = { ...ownExec, timeoutMs: plan.limits.timeoutMs + task.limits.timeoutMs };
    return { task, language, files, exec, interactor: { plan, language: interactorLanguage, files: interactorFiles, exec: interactorExec } };
  }

  /**
   * One game: both sides at once, each in a fresh sandbox, given back
   * whatever happens. The interactor's is leased first and for good
   * (dedicated): a pool that lends its containers again (nested mode) then
   * never has the program's lease wait for a sandbox this very game holds.
   */
  private async play(pair: Pair, gameInput: Buffer): Promise<ReportedStage> {
    const { task, interactor } = pair;
    const request = { jobId: task.jobId, taskId: `${task.taskId}-interactor`, image: interactor.language.image, limits: runSandboxLimits(interactor.plan.limits) };
    const interactorSandbox = await this.executor.lease({ ...request, dedicated: true });
    try {
      return await this.playIn(pair, interactorSandbox, interactorInputOf(interactor.plan, gameInput));
    } finally {
      this.executor.release(interactorSandbox);
    }
  }

  private async playIn(pair: Pair, interactorSandbox: SandboxLease, interactorInput: InteractorInput): Promise<ReportedStage> {
    const { task } = pair;
    const recorder = OutputRecorder.forTask(task);
    const toProgram = new Wire();
    const toInteractor = new Wire();
    const program = this.executor.withSandbox(
      { jobId: task.jobId, taskId: task.taskId, image: pair.language.image, limits: runSandboxLimits(task.limits) },
      async (sandbox) => {
        sandbox.writeFiles(pair.files);
        const onOutput = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
          recorder.listener(stream, chunk);
          if (stream === 'stdout') toInteractor.write(chunk);
        };
        try {
          return await this.executor.run(sandbox, pair.exec, Buffer.alloc(0), { onOutput, live: toProgram });
        } finally {
          toInteractor.end();
        }
      },
    );
    // Until the program's sandbox is there, nothing it writes can reach the interactor; its wire keeps what the interactor writes.
    const files = [...pair.interactor.files, ...interactorInput.files];
    const interactor = this.interactorSide(pair.interactor.exec, interactorSandbox, files, interactorInput.stdin, toProgram, toInteractor);
    const [ran, judged] = await Promise.allSettled([program, interactor]);
    if (ran.status === 'rejected') throw ran.reason;
    if (judged.status === 'rejected') throw judged.reason;
    const recorded = recorder.finish();
    const report = judgedReport(ran.value, recorded);
    const judgement = judgementOf(judged.value);
    return { ...stageResultOf(report, recorded, verdictOf(runVerdictOf(report, pair.language), judgement)), ...judgementFields(judgement) };
  }

  /** The interactor's run: its stdin the input's start (if any), then the program's stdout; its stdout goes to the program. */
  private async interactorSide(
    exec: AgentExec,
    sandbox: SandboxLease,
    files: AgentFile[],
    stdin: Buffer,
    toProgram: Wire,
    toInteractor: Wire,
  ): Promise<InteractorSide> {
    sandbox.writeFiles(files);
    const stderr: Buffer[] = [];
    let kept = 0;
    const onOutput = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
      if (stream === 'stdout') return toProgram.write(chunk);
      if (kept < INTERACTOR_STDERR_BYTES) stderr.push(chunk.subarray(0, INTERACTOR_STDERR_BYTES - kept));
      kept += chunk.length;
    };
    try {
      const report = await this.executor.run(sandbox, exec, stdin, { onOutput, live: toInteractor });
      return { report, stderr: Buffer.concat(stderr) };
    } catch (error) {
      if (!(error instanceof AgentRefusedError)) throw error;
      return { report: null, stderr: Buffer.alloc(0), refused: error.message };
    } finally {
      toProgram.end();
    }
  }
}

/** A game's input as the interactor takes it (InteractorPlan.input): on its stdin, or as its input file. */
function interactorInputOf(plan: InteractorPlan, input: Buffer): InteractorInput {
  if (plan.input !== 'file') return { stdin: input, files: [] };
  return { stdin: Buffer.alloc(0), files: [{ name: INTERACTOR_FILES.input, mode: 0o644, content: input }] };
}

function judgementOf(side: InteractorSide): CheckerJudgement {
  if (!side.report) return { verdict: Verdict.CHECKER_ERROR, message: '', error: `the interactor's sandbox refused its files: ${side.refused}` };
  return judgementOfChecker({ ...outcomeOf(side.report), startError: side.report.result.execError }, side.stderr, 'interactor');
}

/** The interactor's failure is never the program's; then a limit the program hit; then the interactor decides, unless the program crashed. */
function verdictOf(own: Verdict, judgement: CheckerJudgement): Verdict {
  if (judgement.verdict === Verdict.CHECKER_ERROR) return judgement.verdict;
  if (LIMIT_VERDICTS.has(own)) return own;
  return judgement.verdict === Verdict.OK && own !== Verdict.OK ? own : judgement.verdict;
}
