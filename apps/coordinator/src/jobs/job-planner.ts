import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { JobInput, JobMeta, LanguageDefinition, Limits, TaskPlan } from '@kiln/tasks';

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
  webhook?: string;
  owner?: string | null;
}

/**
 * Turns a validated request into a job of tasks: `compile` for compiled
 * languages, then `run`, then `cleanup`, which always runs last.
 */
@Injectable()
export class JobPlanner {
  plan(request: PlanRequest): PlannedJob {
    const compiled = Boolean(request.language.compile);
    const plan: TaskPlan[] = [
      ...(compiled ? [{ id: 'compile', kind: 'compile' as const }] : []),
      { id: 'run', kind: 'run' },
      { id: 'cleanup', kind: 'cleanup' },
    ];
    const meta: JobMeta = {
      id: newJobId(),
      language: request.language.id,
      compiled,
      limits: request.limits,
      plan,
      createdAt: new Date().toISOString(),
      queue: request.queue,
      priority: request.priority,
      ...(request.webhook ? { webhook: request.webhook } : {}),
      ...(request.owner ? { owner: request.owner } : {}),
    };
    return { meta, input: request.input };
  }
}

/** 128 random bits: a job id cannot be guessed. */
export function newJobId(): string {
  return randomBytes(16).toString('base64url');
}
