import { Injectable } from '@nestjs/common';
import { DEFAULT_RUN_OPTIONS, LanguageRegistry, TaskPayload, TaskResult, Verdict, verdictOfExecution } from '@kiln/tasks';
import { CombinedOutput } from './combined-output';
import { AgentExecReport } from '../agent/agent-session';
import { Compilation, CompileCache } from './compile-cache';
import { JobScratchStore } from './job-scratch.store';
import { commandFor, programEnvironment, sourceFiles } from './program-files';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { SandboxExecutor } from './sandbox-executor';
import { outcomeOf, stageResultOf } from './stage-result.mapper';
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

  async run(task: TaskPayload): Promise<TaskResult> {
    const result = await this.compile(task);
    this.metrics.execution('compile', task.language, result.compile!);
    return result;
  }

  private async compile(task: TaskPayload): Promise<TaskResult> {
    const language = this.languages.get(task.language);
    const input = await this.scratch.readInput(task.jobId);
    const { limits } = task;
    const options = task.options ?? DEFAULT_RUN_OPTIONS;
    const compilation = {
      language,
      argv: commandFor(language.compile ?? [], language, input, limits, limits.compileMemoryMb),
      env: programEnvironment(language),
      files: sourceFiles(input),
      collect: this.collector.options,
      stageOptions: options,
    };
    const cacheKey = await this.cache.keyOf(compilation);
    const cached = await this.cache.restore(cacheKey, this.scratch.artifactKey(task.jobId));
    if (cached) return { compile: { ...cached, cached: true } };
    const combined = options.combinedOutput ? new CombinedOutput() : undefined;
    const { report, workspace } = await this.compileAndCollect(task, compilation, combined);
    const encoding = options.outputEncoding;
    const verdict = verdictOfExecution(outcomeOf(report));
    // A compiler that exits non-zero is a compile error; its limits keep their own verdicts.
    if (verdict === Verdict.RUNTIME_ERROR) {
      const compile = stageResultOf(report, Verdict.COMPILE_ERROR, encoding, combined?.bytes());
      await this.cache.store(cacheKey, compile, null);
      return { compile };
    }
    if (workspace === null) return { compile: stageResultOf(report, verdict, encoding, combined?.bytes()) };
    if ('notKept' in workspace) {
      const note = Buffer.from(`\nkiln: the compiled program cannot be kept: ${workspace.notKept}`);
      const withNote = { ...report, stderr: Buffer.concat([report.stderr, note]) };
      const combinedWithNote = combined && Buffer.concat([combined.bytes(), note]);
      return { compile: stageResultOf(withNote, Verdict.COMPILE_ERROR, encoding, combinedWithNote) };
    }
    await this.scratch.saveArtifact(task.jobId, workspace.kept.files);
    const skipped = workspace.kept.skipped ? { skipped: workspace.kept.skipped } : {};
    const compile = { ...stageResultOf(report, Verdict.OK, encoding, combined?.bytes()), ...skipped };
    await this.cache.store(cacheKey, compile, this.scratch.artifactKey(task.jobId));
    return { compile };
  }

  /**
   * The compiler in a fresh sandbox; when it succeeded, the agent collected
   * the workspace at the end of the same exec (one command in all).
   */
  private async compileAndCollect(
    task: TaskPayload,
    compilation: Compilation,
    combined: CombinedOutput | undefined,
  ): Promise<{ report: AgentExecReport; workspace: CollectedWorkspace | null }> {
    const { limits } = task;
    const report = await this.executor.execute({
      jobId: task.jobId,
      taskId: task.taskId,
      image: compilation.language.image,
      limits: { memoryMb: limits.compileMemoryMb, cpus: limits.cpus, processes: Math.max(limits.processes, 32) },
      files: compilation.files,
      exec: { argv: compilation.argv, env: compilation.env, timeoutMs: limits.compileTimeoutMs, outputBytes: limits.outputBytes, ...compilation.collect },
      stdin: Buffer.alloc(0),
      onOutput: combined?.listener,
    });
    if (verdictOfExecution(outcomeOf(report)) !== Verdict.OK) return { report, workspace: null };
    return { report, workspace: this.collector.workspaceOf(report) };
  }
}
