import { Injectable } from '@nestjs/common';
import { JobInput, LanguageRegistry, TaskPayload, TaskResult } from '@kiln/tasks';
import { InteractiveStages } from './interactive-stages';
import { InteractorPairs } from './interactor-pair';
import { JobScratchStore } from './job-scratch.store';
import { OutputFileCollector } from './output-file.collector';
import { OutputStreamer } from './output-streamer';
import { runExecOf, runSandboxLimits, sourceFiles } from './program-files';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { SandboxExecutor } from './sandbox-executor';
import { OutputRecorder } from './output-recorder';
import { judgedReport, runVerdictOf, stageResultOf } from './stage-result.mapper';

/** Runs the program once (from its sources, or from the compile artifact) under the job's limits. */
@Injectable()
export class RunTaskRunner {
  constructor(
    private readonly languages: LanguageRegistry,
    private readonly scratch: JobScratchStore,
    private readonly executor: SandboxExecutor,
    private readonly output: OutputStreamer,
    private readonly metrics: WorkerMetrics,
    private readonly outputFiles: OutputFileCollector,
    private readonly interactive: InteractiveStages,
    private readonly interactors: InteractorPairs,
  ) {}

  /** `attempt`: the task's BullMQ attempt, from 1, which its live output carries (output-streamer.ts). */
  async run(task: TaskPayload, input: JobInput, attempt: number): Promise<TaskResult> {
    // An interactive problem: the program talks to its interactor (interactor-pair.ts).
    if (input.interactor) return this.interactors.run(task, input);
    const language = this.languages.get(task.language);
    const files = task.useArtifact ? await this.scratch.readArtifact({ jobId: task.jobId }) : sourceFiles(input);
    const live = this.output.open(task.jobId, task.taskId, attempt);
    // Only what the job's budget keeps is streamed live too.
    const recorder = OutputRecorder.forTask(task, live.listener);
    const exec = runExecOf(language, input, task.limits, recorder.agentCap(task.limits.outputBytes));
    const request = { jobId: task.jobId, taskId: task.taskId, image: language.image, limits: runSandboxLimits(task.limits) };
    // An interactive job's stdin goes on while it runs, from its stdin stream (interactive-stages.ts).
    const liveInput = input.interactive ? this.interactive.liveInput(task.jobId) : undefined;
    let flushed: Promise<void> = Promise.resolve();
    const run = await this.executor.withSandbox(request, async (sandbox) => {
      sandbox.writeFiles(files);
      if (input.interactive) await this.interactive.began(task.jobId, task.taskId, 'run');
      const stdin = Buffer.from(input.stdinBase64, 'base64');
      // Unless output files are collected after it, the program's run is the sandbox's last.
      const report = await this.executor.run(sandbox, exec, stdin, { onOutput: recorder.listener, live: liveInput, last: !this.outputFiles.wanted(task) });
      const recorded = recorder.finish();
      // Not waited for: the task's report, sent next on the same connection, follows the output into Redis
      // (an interactive job's exit waits for it below: it goes through the event log beside the output).
      flushed = live.close();
      const judged = judgedReport(report, recorded);
      const stage = stageResultOf(judged, recorded, runVerdictOf(judged, language));
      return this.outputFiles.withFiles(stage, sandbox, task, language, recorded);
    });
    if (input.interactive) await flushed.then(() => this.interactive.ended(task.jobId, task.taskId, 'run', run));
    this.metrics.execution('run', language.id, run);
    return { run };
  }
}
