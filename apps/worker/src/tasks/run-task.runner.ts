import { Injectable } from '@nestjs/common';
import { LanguageRegistry, TaskPayload, TaskResult } from '@kiln/tasks';
import { JobScratchStore } from './job-scratch.store';
import { OutputStreamer } from './output-streamer';
import { commandFor, programEnvironment, sourceFiles } from './program-files';
import { SandboxExecutor } from './sandbox-executor';
import { stageResultOf } from './stage-result.mapper';

/** Runs the program (from its sources, or from the compile artifact) under the job's limits. */
@Injectable()
export class RunTaskRunner {
  constructor(
    private readonly languages: LanguageRegistry,
    private readonly scratch: JobScratchStore,
    private readonly executor: SandboxExecutor,
    private readonly output: OutputStreamer,
  ) {}

  async run(task: TaskPayload): Promise<TaskResult> {
    const language = this.languages.get(task.language);
    const input = await this.scratch.readInput(task.jobId);
    const files = task.useArtifact ? await this.scratch.readArtifact(task.jobId) : sourceFiles(input);
    const { limits } = task;
    const live = this.output.open(task.jobId, task.taskId);
    const report = await this.executor.execute({
      jobId: task.jobId,
      taskId: task.taskId,
      image: language.image,
      limits: { memoryMb: limits.memoryMb, cpus: limits.cpus, processes: limits.processes },
      files,
      stdin: Buffer.from(input.stdinBase64, 'base64'),
      onOutput: live.listener,
      exec: {
        argv: commandFor(language.run, language, input, limits, limits.memoryMb),
        env: programEnvironment(language),
        timeoutMs: limits.timeoutMs,
        cpuMs: Math.ceil(limits.timeoutMs * Math.max(1, limits.cpus)),
        outputBytes: limits.outputBytes,
      },
    });
    await live.close();
    return { run: stageResultOf(report) };
  }
}
