import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { KilnConfig } from '@kiln/config';
import { CHECKER_COMPILE_TASK, CheckerPlan, INTERACTOR_COMPILE_TASK, InteractorPlan, JobInput, JobMeta, LanguageDefinition, Limits, RunOptions, TaskPlan } from '@kiln/tasks';

export interface PlannedJob {
  meta: JobMeta;
  input: JobInput;
}

export interface PlanRequest {
  language: LanguageDefinition;
  limits: Limits;
  input: JobInput;
  queue: string;
  priority: number;
  options: RunOptions;
  checker?: CheckerPlan;
  interactor?: InteractorPlan;
  webhook?: string;
  owner?: string | null;
  trace?: Record<string, string>;
}

/**
 * Turns a validated request into a job of tasks: `compile` for compiled
 * languages (once, whatever the number of tests), `checker-compile` for a
 * compiled checker or interactor (its own task, `interactor-compile`
 * for an interactor, beside the program's compile: see docs/architecture.md,
 * "Custom checkers"), then the run tasks, then
 * `cleanup`, which always runs last. Test cases are split into run tasks of
 * `jobs.testBatchSize` tests that different workers can take at once.
 */
@Injectable()
export class JobPlanner {
  constructor(private readonly config: KilnConfig) {}

  plan(request: PlanRequest): PlannedJob {
    const compiled = Boolean(request.language.compile);
    const testCount = request.input.tests?.length ?? 0;
    const plan: TaskPlan[] = [
      ...(compiled ? [{ id: 'compile', kind: 'compile' as const }] : []),
      ...(request.checker?.compiled ? [{ id: CHECKER_COMPILE_TASK, kind: 'compile' as const, program: 'checker' as const }] : []),
      ...(request.interactor?.compiled ? [{ id: INTERACTOR_COMPILE_TASK, kind: 'compile' as const, program: 'interactor' as const }] : []),
      ...runTasks(testCount, this.config.jobs.testBatchSize),
      { id: 'cleanup', kind: 'cleanup' },
    ];
    const meta: JobMeta = {
      id: newJobId(),
      language: request.language.id,
      compiled,
      limits: request.limits,
      testCount,
      options: request.options,
      ...(request.checker ? { checker: request.checker } : {}),
      ...(request.interactor ? { interactor: request.interactor } : {}),
      plan,
      createdAt: new Date().toISOString(),
      queue: request.queue,
      priority: request.priority,
      ...(request.webhook ? { webhook: request.webhook } : {}),
      ...(request.owner ? { owner: request.owner } : {}),
      ...(request.trace?.traceparent ? { trace: request.trace, traceId: request.trace.traceparent.split('-')[1] } : {}),
    };
    return { meta, input: request.input };
  }
}

/** One plain `run`, or `run-1`…`run-N` holding consecutive test indices, at most batchSize each. */
export function runTasks(testCount: number, batchSize: number): TaskPlan[] {
  if (testCount === 0) return [{ id: 'run', kind: 'run' }];
  const tasks: TaskPlan[] = [];
  for (let first = 0; first < testCount; first += batchSize) {
    const tests = Array.from({ length: Math.min(batchSize, testCount - first) }, (_, n) => first + n);
    tasks.push({ id: `run-${tasks.length + 1}`, kind: 'run', tests });
  }
  return tasks;
}

/** 128 random bits: a job id cannot be guessed. */
export function newJobId(): string {
  return randomBytes(16).toString('base64url');
}
