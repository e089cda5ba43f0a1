import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { DEFAULT_RUN_OPTIONS, LanguageRegistry, Limits, TaskPayload, TaskResult, Verdict, verdictOfExecution } from '@kiln/tasks';
import { CompileCache } from './compile-cache';
import { JobScratchStore } from './job-scratch.store';
import { commandFor, programEnvironment, sourceFiles } from './program-files';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { SandboxExecutor } from './sandbox-executor';
import { OutputRecorder } from './output-recorder';
import { judgedReport, outcomeOf, stageResultOf } from './stage-result.mapper';

const MiB = 1024 * 1024;

/**
 * Compiles the job's sources once and stores the workspace as the artifact for
 * its run tasks; an identical compilation done before is taken from the
 * compile cache instead, without a sandbox.
 */
@Injectable()
export class CompileTaskRunner {
  constructor(
    private readonly languages: LanguageRegistry,
    private readonly scratch: JobScratchStore,
    private readonly executor: SandboxExecutor,
    private readonly config: KilnConfig,
    private readonly metrics: WorkerMetrics,
    private readonly cache: CompileCache,
  ) {}

  async run(task: TaskPayload): Promise<TaskResult> {
    const result = await this.compile(task);
    this.metrics.execution('compile', task.language, result.compile!);
    return result;
  }

  private async compile(task: TaskPayload): Promise<TaskResult> {
    const language = this.languages.get(task.language);
    const input = await this.scratch.readInput(task.jobId);
    const { limits } = task;
    const recorder = OutputRecorder.forTask(task);
    const outputBytes = recorder.agentCap(limits.outputBytes);
    const compilation = {
      language,
      argv: commandFor(language.compile ?? [], language, input, limits, limits.compileMemoryMb),
      env: programEnvironment(language),
      files: sourceFiles(input),
      stageOptions: task.options ?? DEFAULT_RUN_OPTIONS,
      limits: compileLimitsOf(limits, outputBytes, task.outputBudget),
    };
    const cacheKey = await this.cache.keyOf(compilation);
    const cached = await this.cache.restore(cacheKey, task.jobId);
    if (cached) return { compile: { ...cached, cached: true } };
    const report = await this.executor.execute({
      jobId: task.jobId,
      taskId: task.taskId,
      image: language.image,
      limits: { memoryMb: limits.compileMemoryMb, cpus: limits.cpus, processes: compilation.limits.processes },
      files: compilation.files,
      stdin: Buffer.alloc(0),
      onOutput: recorder.listener,
      exec: {
        argv: compilation.argv,
        env: compilation.env,
        timeoutMs: limits.compileTimeoutMs,
        outputBytes,
        collect: true,
        collectMaxBytes: this.config.sandbox.artifactMaxMb * MiB,
      },
    });
    if (report.result.collectError) {
      const note = `\nkiln: the compiled program is too large to keep (${report.result.collectError}; limit ${this.config.sandbox.artifactMaxMb} MiB)`;
      recorder.listener('stderr', Buffer.from(note));
    }
    const recorded = recorder.finish();
    const judged = judgedReport(report, recorded);
    const verdict = verdictOfExecution(outcomeOf(judged));
    // A compiler that exits non-zero is a compile error; its limits keep their own verdicts.
    if (verdict === Verdict.RUNTIME_ERROR) {
      const compile = stageResultOf(judged, recorded, Verdict.COMPILE_ERROR);
      await this.cache.store(cacheKey, compile, null);
      return { compile };
    }
    if (verdict !== Verdict.OK) return { compile: stageResultOf(judged, recorded, verdict) };
    if (report.result.collectError) return { compile: stageResultOf(judged, recorded, Verdict.COMPILE_ERROR) };
    const saved = await this.scratch.saveArtifact(task.jobId, report.files);
    const compile = stageResultOf(judged, recorded, Verdict.OK);
    if (saved) await this.cache.store(cacheKey, compile, this.scratch.artifactKey(task.jobId));
    return { compile };
  }
}

/** The limits a compilation runs under: part of what decides its outcome, so part of its cache key. */
function compileLimitsOf(limits: Limits, outputBytes: number, outputShare: number | undefined) {
  return {
    memoryMb: limits.compileMemoryMb,
    timeoutMs: limits.compileTimeoutMs,
    cpus: limits.cpus,
    processes: Math.max(limits.processes, 32),
    outputBytes,
    outputShare: outputShare ?? null,
  };
}
