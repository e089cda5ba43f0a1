import { JobRecord, JobView } from '@kiln/tasks';
import { testResultsOf } from './test-results';

/** The public shape of a job (DESIGN.md): same for /execute, GET /jobs/:id and cancel. */
export function toJobView(job: JobRecord): JobView {
  const { meta } = job;
  return {
    id: meta.id,
    state: job.state,
    verdict: job.verdict,
    language: meta.language,
    compile: job.tasks.compile?.compile ?? null,
    run: job.tasks.run?.run ?? null,
    tests: testResultsOf(job).map((result, index) => result ?? { index, verdict: null }),
    tasks: meta.plan.map((plan) => {
      const task = job.tasks[plan.id];
      return { id: plan.id, kind: plan.kind, state: task.state, workerId: task.workerId ?? null };
    }),
    ...(job.error ? { error: job.error } : {}),
    ...(meta.traceId ? { traceId: meta.traceId } : {}),
    createdAt: meta.createdAt,
    finishedAt: job.finishedAt ?? null,
  };
}
