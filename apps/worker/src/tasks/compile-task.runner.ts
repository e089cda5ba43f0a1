import { Injectable } from '@nestjs/common';
import { DEFAULT_RUN_OPTIONS, JobInput, LanguageDefinition, LanguageRegistry, Limits, TaskPayload, TaskResult, Verdict, verdictOfExecution } from '@kiln/tasks';
import { AgentExecReport } from '../agent/agent-session';
import { Compilation, CompileCache } from './compile-cache';
import { InteractiveStages } from './interactive-stages';
import { JobArtifact, JobScratchStore } from './job-scratch.store';
import { checkerProgram, commandFor, interactorProgram, programEnvironment, sourceFiles } from './program-files';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { SandboxExecutor } from './sandbox-executor';
import { OutputRecorder } from './output-recorder';
import { judgedReport, outcomeOf, stageResultOf } from './stage-result.mapper';
import { CollectedWorkspace, WorkspaceCollector } from './workspace-collector';

/** What one compile task compiles: the job's program, or its checker or interactor (TaskPayload.program). */
interface CompileTarget {
  language: LanguageDefinition;
  program: JobInput;
  limits: Limits;
  artifact: JobArtifact;
}

/**
 * Compiles the job's sources (or its checker's) once and stores the workspace
 * as the artifact for its run tasks (what cannot travel is skipped and named
 * in `compile.skipped`, see WorkspaceCollector); an identical compilation
 * done before is taken from the compile cache instead, without a sandbox.
 * A checker or an interactor compiles under its own limits, in a sandbox of its own.
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
    private readonly interactive: InteractiveStages,
  ) {}

  async run(task: TaskPayload, input: JobInput): Promise<TaskResult> {
    const target = this.targetOf(task, input);
    // An interactive job's client hears when its compile starts and how it ended (interactive-stages.ts).
    const interactive = input.interactive && task.program === undefined;
    if (interactive) await this.interactive.began(task.jobId, task.taskId, 'compile');
    const result = await this.compile(task, target);
    if (interactive) await this.interactive.ended(task.jobId, task.taskId, 'compile', result.compile!);
    this.metrics.execution('compile', target.language.id, result.compile!);
    return result;
  }

  private targetOf(task: TaskPayload, input: JobInput): CompileTarget {
    const role = task.program;
    if (role === undefined) {
      return { language: this.languages.get(task.language), program: input, limits: task.limits, artifact: { jobId: task.jobId } };
    }
    const plan = task[role];
    if (!plan) throw new Error(`the ${role} compile of job ${task.jobId} came without its ${role}`);
    const program = role === 'checker' ? checkerProgram(input, []) : interactorProgram(input);
    return { language: this.languages.get(plan.language), program, limits: plan.limits, artifact: { jobId: task.jobId, program: role } };
  }

  private async compile(task: TaskPayload, { language, program, limits, artifact }: CompileTarget): Promise<TaskResult> {
    const recorder = OutputRecorder.forTask(task);
    const outputBytes = recorder.agentCap(limits.outputBytes);
    const compilation = {
      language,
      argv: commandFor(language.compile ?? [], language, program, limits, limits.compileMemoryMb),
      env: programEnvironment(language),
      files: sourceFiles(program),
      collect: this.collector.options,
      stageOptions: compileStageOptions(task),
      limits: compileLimitsOf(limits, outputBytes, task.outputBudget),
    };
    const cacheKey = await this.cache.keyOf(compilation);
    const cached = await this.cache.restore(cacheKey, artifact);
    if (cached) return { compile: { ...cached, cached: true } };
    const { report, workspace } = await this.compileAndCollect(task, compilation, recorder);
    const note = workspace && 'notKept' in workspace ? `the compiled program cannot be kept: ${workspace.notKept}` : limitNoteOf(report, compilation.limits);
    if (note) recorder.listener('stderr', Buffer.from(`\nkiln: ${note}`));
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
    const saved = await this.scratch.saveArtifact(artifact, workspace.kept.files);
    const skipped = workspace.kept.skipped ? { skipped: workspace.kept.skipped } : {};
    const compile = { ...stageResultOf(judged, recorded, Verdict.OK), ...skipped };
    if (saved) await this.cache.store(cacheKey, compile, artifact);
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
  ): Promise<{ report: AgentExecReport; workspace: CollectedWorkspace | null }> {
    const { limits } = compilation;
    const report = await this.executor.execute({
      jobId: task.jobId,
      taskId: task.taskId,
      image: compilation.language.image,
      limits: { memoryMb: limits.memoryMb, cpus: limits.cpus, processes: limits.processes },
      files: compilation.files,
      exec: { argv: compilation.argv, env: compilation.env, timeoutMs: limits.timeoutMs, outputBytes: limits.outputBytes, ...compilation.collect },
      stdin: Buffer.alloc(0),
      onOutput: recorder.listener,
    });
    if (verdictOfExecution(outcomeOf(report)) !== Verdict.OK) return { report, workspace: null };
    return { report, workspace: this.collector.workspaceOf(report) };
  }
}

type CompileLimits = ReturnType<typeof compileLimitsOf>;

/**
 * Why the compiler was stopped, when a limit stopped it: its stderr is what
 * a user reads of a failed compile, and a killed compiler writes nothing.
 */
function limitNoteOf(report: AgentExecReport, limits: CompileLimits): string | null {
  const verdict = verdictOfExecution(outcomeOf(report));
  if (verdict === Verdict.TIMEOUT) return `the compiler was stopped at its time limit, ${limits.timeoutMs} ms (limits.compileTimeoutMs)`;
  if (verdict === Verdict.MEMORY_LIMIT) return `the compiler was stopped at its memory limit, ${limits.memoryMb} MB (limits.compileMemoryMb)`;
  return null;
}

/** How the compile stage is written: the run options but the output files, which only runs return. */
function compileStageOptions(task: TaskPayload): object {
  const { outputFiles: _runsOnly, ...options } = task.options ?? DEFAULT_RUN_OPTIONS;
  return options;
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
