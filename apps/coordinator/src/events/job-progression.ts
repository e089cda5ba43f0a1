import { isFinishedTaskState, JobFinish, JobRecord, JobState, TaskPlan, TaskState, testResultsOf, Verdict } from '@kiln/tasks';

/** What the coordinator must do next for a job, derived from its record alone. */
export type NextStep =
  | { kind: 'wait' }
  | { kind: 'enqueue'; tasks: TaskPlan[] }
  | { kind: 'finish'; finish: JobFinish };

/**
 * Pure decision: compile → run tasks (all at once, so several workers share
 * them) → finish. Because it only reads the record, a repeated or late event
 * yields the same decision, and acting on it twice is harmless (enqueueing
 * uses deterministic ids; finishing is a conditional write).
 */
export function nextStep(job: JobRecord): NextStep {
  const compile = job.tasks.compile;
  if (compile) {
    if (compile.state === TaskState.FAILED) return failed(`compile task failed: ${compile.error ?? 'unknown error'}`);
    if (compile.state !== TaskState.COMPLETED) return { kind: 'wait' };
    if (compile.compile && compile.compile.verdict !== Verdict.OK) return completed(Verdict.COMPILE_ERROR);
  }
  const runPlans = job.meta.plan.filter((task) => task.kind === 'run');
  const runs = runPlans.map((task) => job.tasks[task.id]);
  const failedRun = runs.find((task) => task.state === TaskState.FAILED);
  if (failedRun) return failed(`run task failed: ${failedRun.error ?? 'unknown error'}`);
  const pending = runPlans.filter((task) => job.tasks[task.id].state === TaskState.PENDING);
  if (pending.length) return { kind: 'enqueue', tasks: pending };
  const decided = job.meta.options?.stopOnFirstFailure ? decidedFailure(job) : null;
  if (decided) return completed(decided);
  if (!runs.every((task) => isFinishedTaskState(task.state))) return { kind: 'wait' };
  return completed(job.meta.testCount ? testsVerdict(job) : runVerdict(runs.map((task) => task.run?.verdict)));
}

/** A plain job's verdict: OK only if every run is OK, else the first run's failure. */
function runVerdict(verdicts: (Verdict | undefined)[]): Verdict {
  return verdicts.map((verdict) => verdict ?? Verdict.INTERNAL_ERROR).find((verdict) => verdict !== Verdict.OK) ?? Verdict.OK;
}

/** OK only when every test passed, else the verdict of the first failing test (by index). */
function testsVerdict(job: JobRecord): Verdict {
  const results = testResultsOf(job);
  const failure = results.find((result) => result && result.verdict !== Verdict.OK);
  if (failure) return failure.verdict;
  // A finished run task that left a test out without a failure before it: Kiln's fault.
  return results.every(Boolean) ? Verdict.OK : Verdict.INTERNAL_ERROR;
}

/**
 * With stopOnFirstFailure the first failing test decides as soon as every
 * test before it is known to pass, even while later batches still run.
 */
function decidedFailure(job: JobRecord): Verdict | null {
  for (const result of testResultsOf(job)) {
    if (result === null) return null;
    if (result.verdict !== Verdict.OK) return result.verdict;
  }
  return null;
}

function completed(verdict: Verdict): NextStep {
  return { kind: 'finish', finish: { state: JobState.COMPLETED, verdict } };
}

function failed(error: string): NextStep {
  return { kind: 'finish', finish: { state: JobState.FAILED, verdict: Verdict.INTERNAL_ERROR, error } };
}
