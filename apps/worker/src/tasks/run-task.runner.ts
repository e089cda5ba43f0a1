import { Injectable } from '@nestjs/common';
import { DEFAULT_RUN_OPTIONS, LanguageRegistry, TaskPayload, TaskResult } from '@kiln/tasks';
import { CombinedOutput, teeListeners } from './combined-output';
import { JobScratchStore } from './job-scratch.store';
import { OutputStreamer } from './output-streamer';
import { runExecOf, runSandboxLimits, sourceFiles } from './program-files';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { SandboxExecutor } from './sandbox-executor';
import { runVerdictOf, stageResultOf } from './stage-result.mapper';

/** Runs the program once (from its sources, or from the compile artifact) under the job's limits. */
@Injectable()
export class RunTaskRunner {
  constructor(
    private readonly languages: LanguageRegistry,
    private readonly scratch: JobScratchStore,
    private readonly executor: SandboxExecutor,
    private readonly output: OutputStreamer,
    private readonly metrics: WorkerMetrics,
  ) {}

  async run(task: TaskPayload): Promise<TaskResult> {
    const language = this.languages.get(task.language);
    const input = await this.scratch.readInput(task.jobId);
    const files = task.useArtifact ? await this.scratch.readArtifact(task.jobId) : sourceFiles(input);
    const live = this.output.open(task.jobId, task.taskId);
    const options = task.options ?? DEFAULT_RUN_OPTIONS;
    const combined = options.combinedOutput ? new CombinedOutput() : undefined;
    const report = await this.executor.execute({
      jobId: task.jobId,
      taskId: task.taskId,
      image: language.image,
      limits: runSandboxLimits(task.limits),
      files,
      stdin: Buffer.from(input.stdinBase64, 'base64'),
      onOutput: teeListeners(live.listener, combined?.listener),
      exec: runExecOf(language, input, task.limits),
    });
    await live.close();
    const run = stageResultOf(report, runVerdictOf(report, language), options.outputEncoding, combined?.bytes());
    this.metrics.execution('run', language.id, run);
    return { run };
  }
}
