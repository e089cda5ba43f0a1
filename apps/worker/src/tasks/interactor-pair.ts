import { Injectable } from '@nestjs/common';
import { JobInput, judgementOfChecker, LanguageRegistry, TaskPayload, TaskResult, Verdict } from '@kiln/tasks';
import { LiveControl, LiveInput } from '../agent/agent-session';
import { JobScratchStore } from './job-scratch.store';
import { OutputRecorder } from './output-recorder';
import { runExecOf, runSandboxLimits, sourceFiles } from './program-files';
import { SandboxExecutor } from './sandbox-executor';
import { judgedReport, outcomeOf, runVerdictOf, stageResultOf } from './stage-result.mapper';

/** The most of the interactor's own output (its stdout to the program and its stderr) one run carries. */
const INTERACTOR_OUTPUT_BYTES = 16 << 20;
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

/**
 * An interactive problem's run (JobInput.interactor): the program and the
 * interactor each in a sandbox of its own under the job's limits, nothing
 * between them but the worker relaying each one's stdout to the other's
 * stdin; the test's input is the interactor's alone. When one ends, the
 * other's stdin ends. The verdict: a limit the program hit, else the
 * interactor's by testlib's convention (judgementOfChecker: 0 OK, 1 wrong
 * answer, 2 presentation error, anything else the interactor's failure),
 * else a program that crashed although the interactor was content.
 */
@Injectable()
export class InteractorPairs {
  constructor(
    private readonly languages: LanguageRegistry,
    private readonly scratch: JobScratchStore,
    private readonly executor: SandboxExecutor,
  ) {}

  async run(task: TaskPayload, input: JobInput): Promise<TaskResult> {
    const interactor = input.interactor!;
    const language = this.languages.get(task.language);
    const interactorLanguage = this.languages.get(interactor.language);
    const files = task.useArtifact ? await this.scratch.readArtifact({ jobId: task.jobId }) : sourceFiles(input);
    const recorder = OutputRecorder.forTask(task);
    const toProgram = new Wire();
    const toInteractor = new Wire();
    const interactorStderr: Buffer[] = [];
    const exec = runExecOf(language, input, task.limits, recorder.agentCap(task.limits.outputBytes));
    const interactorProgram = { files: interactor.files, stdinBase64: '', args: [] };
    const interactorExec = runExecOf(interactorLanguage, interactorProgram, task.limits, INTERACTOR_OUTPUT_BYTES);
    const limits = runSandboxLimits(task.limits);
    const program = this.executor.withSandbox({ jobId: task.jobId, taskId: task.taskId, image: language.image, limits }, async (sandbox) => {
      sandbox.writeFiles(files);
      const onOutput = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
        recorder.listener(stream, chunk);
        if (stream === 'stdout') toInteractor.write(chunk);
      };
      try {
        return await this.executor.run(sandbox, exec, Buffer.alloc(0), onOutput, 'timeout', toProgram);
      } finally {
        toInteractor.end();
      }
    });
    const judge = this.executor.withSandbox({ jobId: task.jobId, taskId: `${task.taskId}-interactor`, image: interactorLanguage.image, limits }, async (sandbox) => {
      sandbox.writeFiles(sourceFiles(interactorProgram));
      const onOutput = (stream: 'stdout' | 'stderr', chunk: Buffer) => (stream === 'stdout' ? toProgram.write(chunk) : interactorStderr.push(chunk));
      try {
        return await this.executor.run(sandbox, interactorExec, Buffer.from(input.stdinBase64, 'base64'), onOutput, 'timeout', toInteractor);
      } finally {
        toProgram.end();
      }
    });
    const [report, judgeReport] = await Promise.all([program, judge]);
    const recorded = recorder.finish();
    const judged = judgedReport(report, recorded);
    const own = runVerdictOf(judged, language);
    const judgement = judgementOfChecker({ ...outcomeOf(judgeReport), startError: judgeReport.result.execError }, Buffer.concat(interactorStderr));
    const verdict = LIMIT_VERDICTS.has(own) || (judgement.verdict === Verdict.OK && own !== Verdict.OK) ? own : judgement.verdict;
    return { run: stageResultOf(judged, recorded, verdict) };
  }
}
