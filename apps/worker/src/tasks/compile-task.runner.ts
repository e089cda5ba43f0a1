import { Injectable } from '@nestjs/common';
import { DEFAULT_RUN_OPTIONS, JobInput, LanguageRegistry, Limits, TaskPayload, TaskResult, Verdict, verdictOfExecution } from '@kiln/tasks';
import { AgentExecReport } from '../agent/agent-session';
import { Compilation, CompileCache } from './compile-cache';
import { JobScratchStore } from './job-scratch.store';
import { commandFor, programEnvironment, sourceFiles } from './program-files';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { SandboxExecutor } from './sandbox-executor';
import { OutputRecorder } from './output-recorder';
import { judgedReport, outcomeOf, stageResultOf } from './stage-result.mapper';
import { CollectedWorkspace, WorkspaceCollector } from './workspace-collector';

/**
 * Compiles the job's sources once and stores the workspace as the artifact for
 * its run tasks (what cannot travel is skipped and named in `compile.skipped`,
 * see WorkspaceCollector); an identical compilation done before is taken from
 * the compile cache instead, without a sandbox.
 */
@Injectable()
export class CompileTaskRunner {
  constructor(
    private readonly languages: LanguageRegistry,
    private readonly scratch: JobScratchStore,
    private readonly executor: SandboxExecutor,
    private readonly metrics: WorkerMetrics,
    private readonly cache: CompileCache,
    private readonly collector: WorkspaceCollector,
  ) {}

  async run(task: TaskPayload, input: JobInput): Promise<TaskResult> {
    const result = await this.compile(task, input);
    this.metrics.execution('compile', task.language, result.compile!);
    return result;
  }

  private async compile(task: TaskPayload, input: JobInput): Promise<TaskResult> {
    const language = this.languages.get(task.language);
    const { limits } = task;
    const recorder = OutputRecorder.forTask(task);
    const outputBytes = recorder.agentCap(limits.outputBytes);
    const compilation = {
      language,
      argv: commandFor(language.compile ?? [], language, input, limits, limits.compileMemoryMb),
      env: programEnvironment(language),
      files: sourceFiles(input),
      collect: this.collector.options,
      stageOptions: task.options ?? DEFAULT_RUN_OPTIONS,
      limits: compileLimitsOf(limits, outputBytes, task.outputBudget),
    };
    const cacheKey = await this.cache.keyOf(compilation);
    const cached = await this.cache.restore(cacheKey, task.jobId);
    if (cached) return { compile: { ...cached, cached: true } };
    const { report, workspace } = await this.compileAndCollect(task, compilation, recorder, outputBytes);
    if (workspace && 'notKept' in workspace) {
      recorder.listener('stderr', Buffer.from(`\nkiln: the compiled program cannot be kept: ${workspace.notKept}`));
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
    if (verdict !== Verdict.OK || workspace === null) return { compile: stageResultOf(judged, recorded, verdict) };
    if ('notKept' in workspace) return { compile: stageResultOf(judged, recorded, Verdict.COMPILE_ERROR) };
    const saved = await this.scratch.saveArtifact(task.jobId, workspace.kept.files);
    const skipped = workspace.kept.skipped ? { skipped: workspace.kept.skipped } : {};
    const compile = { ...stageResultOf(judged, recorded, Verdict.OK), ...skipped };
    if (saved) await this.cache.store(cacheKey, compile, this.scratch.artifactKey(task.jobId));
    return { compile };
  }

  /**
   * The compiler in a fresh sandbox; when it succeeded, the agent collected
   * the workspace at the end of the same exec (one command in all).
   */
  private async compileAndCollect(
    task: TaskPayload,
    compilation: Compilation & { limits: CompileLimits },
    recorder: OutputRecorder,
    outputBytes: number,
  ): Promise<{ report: AgentExecReport; workspace: CollectedWorkspace | null }> {
    const { limits } = task;
    const report = await this.executor.execute({
      jobId: task.jobId,
      taskId: task.taskId,
      image: compilation.language.image,
      limits: { memoryMb: limits.compileMemoryMb, cpus: limits.cpus, processes: compilation.limits.processes },
      files: compilation.files,
      exec: { argv: compilation.argv, env: compilation.env, timeoutMs: limits.compileTimeoutMs, outputBytes, ...compilation.collect },
      stdin: Buffer.alloc(0),
      onOutput: recorder.listener,
    });
    if (verdictOfExecution(outcomeOf(report)) !== Verdict.OK) return { report, workspace: null };
    return { report, workspace: this.collector.workspaceOf(report) };
  }
}

type CompileLimits = ReturnType<typeof compileLimitsOf>;

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
