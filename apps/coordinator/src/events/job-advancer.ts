import { Injectable } from '@nestjs/common';
import { isTerminalJobState, JobRecord, TaskState } from '@kiln/tasks';
import { JobRepository } from '@kiln/store';
import { JobFinisher } from '../jobs/job-finisher';
import { TaskQueue } from '../queues/task-queue';
import { nextStep } from './job-progression';

/** Reads a job and carries out its next step (see job-progression.ts). */
@Injectable()
export class JobAdvancer {
  constructor(
    private readonly store: JobRepository,
    private readonly queue: TaskQueue,
    private readonly finisher: JobFinisher,
  ) {}

  async advance(jobId: string): Promise<void> {
    const job = await this.store.get(jobId);
    if (!job) return;
    if (isTerminalJobState(job.state)) return this.finisher.settle(jobId);
    const step = nextStep(job);
    if (step.kind === 'enqueue') {
      await this.queue.enqueue(job.meta, step.tasks, { compileBudgetUsed: compileBudgetUsed(job) });
      for (const task of step.tasks) {
        await this.store.transitionTask(jobId, { id: task.id, kind: task.kind, state: TaskState.QUEUED });
      }
    } else if (step.kind === 'finish') {
      await this.finisher.finish(job, step.finish);
    }
  }
}

/** What the job's compiles (its program's, its checker's) took of its output budget: the runs share the rest. */
function compileBudgetUsed(job: JobRecord): number {
  return job.meta.plan
    .filter((task) => task.kind === 'compile')
    .reduce((sum, task) => sum + (job.tasks[task.id]?.compile?.budgetUsed ?? 0), 0);
}
