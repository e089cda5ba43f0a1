import { JobRecord, JobView } from './job';
import { CHECKER_COMPILE_TASK, INTERACTOR_COMPILE_TASK } from './task';
import { StageSummary, TestResult, TestSummary } from './stage-result';
import { renderStage } from './stage-output';
import { testResultsOf } from './test-results';

/**
 * The public shape of a job (README, "API"): the same for /execute,
 * GET /jobs/:id, cancel and webhooks. Stage results take their output from `job.outputs` (loaded only to
 * answer); without it they are rendered with empty output.
 */
export function toJobView(job: JobRecord): JobView {
  const { meta } = job;
  const outputs = job.outputs ?? {};
  const stage = (summary: StageSummary | undefined, taskId: string, kind: 'compile' | 'run') =>
    summary ? renderStage(summary, outputs[taskId]?.[kind]) : null;
  return {
    id: meta.id,
    state: job.state,
    verdict: job.verdict,
    language: meta.language,
    compile: stage(job.tasks.compile?.compile, 'compile', 'compile'),
    ...(meta.checker ? { checkerCompile: stage(job.tasks[CHECKER_COMPILE_TASK]?.compile, CHECKER_COMPILE_TASK, 'compile') } : {}),
    ...(meta.interactor ? { interactorCompile: stage(job.tasks[INTERACTOR_COMPILE_TASK]?.compile, INTERACTOR_COMPILE_TASK, 'compile') } : {}),
    run: stage(job.tasks.run?.run, 'run', 'run'),
    tests: testResultsOf(job).map((result, index) => (result ? renderTest(job, result) : { index, verdict: null })),
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

/** A test's result: its summary from the run task that ran it, and that task's stored output of it (the checker's message too). */
function renderTest(job: JobRecord, result: TestSummary): TestResult {
  const task = job.meta.plan.find((plan) => plan.tests?.includes(result.index));
  const output = task ? job.outputs?.[task.id]?.tests?.find((test) => test.index === result.index) : undefined;
  const { index, ...summary } = result;
  return { index, ...renderStage(summary, output) };
}
