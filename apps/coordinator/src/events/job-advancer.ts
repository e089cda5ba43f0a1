import { Injectable } from '@nestjs/common';
import { JobRepository, TaskEventReceipt } from '@kiln/store';
import { isTerminalJobState, JobRecord, TaskState } from '@kiln/tasks';
import { JobFinisher } from '../jobs/job-finisher';
import { TaskQueue } from '../queues/task-queue';
import { nextStep } from './job-progression';

/** Carries out a job's next step, decided from its record (see job-progression.ts). */
@Injectable()
export class JobAdvancer {
  constructor(
    private readonly store: JobRepository,
    private readonly queue: TaskQueue,
    private readonly finisher: JobFinisher,
  ) {}

  /** From the record as just read or written: nothing is read again. `receipt`: the event that led here, for the end step to acknowledge. */
  async advance(job: JobRecord, receipt?: TaskEventReceipt): Promise<void> {
    if (isTerminalJobState(job.state)) return this.finisher.settle(job.meta.id);
    const step = nextStep(job);
    if (step.kind === 'enqueue') {
      await this.queue.enqueue(job.meta, step.tasks, { compileBudgetUsed: compileBudgetUsed(job) });
      // One write for all of them (the command connection pipelines what one turn issues).
      await Promise.all(step.tasks.map((task) => this.store.transitionTask(job.meta.id, { id: task.id, kind: task.kind, state: TaskState.QUEUED })));
    } else if (step.kind === 'finish') {
      await this.finisher.finish(job, step.finish, receipt);
    }
  }

  async advanceById(jobId: string): Promise<void> {
    const job = await this.store.get(jobId);
    if (job) await this.advance(job);
  }
}

/** What the job's compiles (its program's, its checker's) took of its output budget: the runs share the rest. */
function compileBudgetUsed(job: JobRecord): number {
  return job.meta.plan
    .filter((task) => task.kind === 'compile')
    .reduce((sum, task) => sum + (job.tasks[task.id]?.compile?.budgetUsed ?? 0), 0);
}
