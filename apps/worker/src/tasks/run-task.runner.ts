import { Injectable } from '@nestjs/common';
import { JobInput, LanguageRegistry, TaskPayload, TaskResult } from '@kiln/tasks';
import { JobScratchStore } from './job-scratch.store';
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
  ) {}

  async run(task: TaskPayload, input: JobInput): Promise<TaskResult> {
    const language = this.languages.get(task.language);
    const files = task.useArtifact ? await this.scratch.readArtifact(task.jobId) : sourceFiles(input);
    const live = this.output.open(task.jobId, task.taskId);
    // Only what the job's budget keeps is streamed live too.
    const recorder = OutputRecorder.forTask(task, live.listener);
    const report = await this.executor.execute({
      jobId: task.jobId,
      taskId: task.taskId,
      image: language.image,
      limits: runSandboxLimits(task.limits),
      files,
      stdin: Buffer.from(input.stdinBase64, 'base64'),
      onOutput: recorder.listener,
      exec: runExecOf(language, input, task.limits, recorder.agentCap(task.limits.outputBytes)),
    });
    const recorded = recorder.finish();
    // Not waited for: the task's report, sent next on the same connection, follows the output into Redis.
    void live.close();
    const judged = judgedReport(report, recorded);
    const run = stageResultOf(judged, recorded, runVerdictOf(judged, language));
    this.metrics.execution('run', language.id, run);
    return { run };
  }
}
