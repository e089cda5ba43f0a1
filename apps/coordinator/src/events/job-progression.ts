import {
  CHECKER_COMPILE_TASK,
  isFinishedTaskState,
  JobFinish,
  JobRecord,
  JobState,
  TaskPlan,
  TaskState,
  TestSummary,
  testResultsOf,
  Verdict,
} from '@kiln/tasks';

/** What the coordinator must do next for a job, derived from its record alone. */
export type NextStep =
  | { kind: 'wait' }
  | { kind: 'enqueue'; tasks: TaskPlan[] }
  | { kind: 'finish'; finish: JobFinish };

/**
 * Pure decision: compiles → run tasks (all at once, so several workers share
 * them) → finish. Because it only reads the record, a repeated or late event
 * yields the same decision, and acting on it twice is harmless (enqueueing
 * uses deterministic ids; finishing is a conditional write).
 */
export function nextStep(job: JobRecord): NextStep {
  const compiled = compilesStep(job);
  if (compiled) return compiled;
  const runPlans = job.meta.plan.filter((task) => task.kind === 'run');
  const runs = runPlans.map((task) => job.tasks[task.id]);
  const failedRun = runs.find((task) => task.state === TaskState.FAILED);
  if (failedRun) return failed(`run task failed: ${failedRun.error ?? 'unknown error'}`);
  const pending = runPlans.filter((task) => job.tasks[task.id].state === TaskState.PENDING);
  if (pending.length) return { kind: 'enqueue', tasks: pending };
  const decided = job.meta.options?.stopOnFirstFailure ? decidedFailure(job) : null;
  if (decided) return decided;
  if (!runs.every((task) => isFinishedTaskState(task.state))) return { kind: 'wait' };
  return job.meta.testCount ? testsVerdict(job) : completed(runVerdict(runs.map((task) => task.run?.verdict)));
}

/**
 * The compiles (the program's, and a checker's, side by side): null once
 * both succeeded. The program's compile error decides at once, whatever the
 * checker's compile does (the program cannot be judged either way); a
 * checker that did not compile decides once the program is known to have
 * compiled, so the verdict never depends on which compile finished first.
 */
function compilesStep(job: JobRecord): NextStep | null {
  const compile = job.tasks.compile;
  const checker = job.tasks[CHECKER_COMPILE_TASK];
  for (const task of [compile, checker]) {
    if (task?.state === TaskState.FAILED) return failed(`${task.id} task failed: ${task.error ?? 'unknown error'}`);
  }
  if (compile?.state === TaskState.COMPLETED && compile.compile && compile.compile.verdict !== Verdict.OK) return completed(Verdict.COMPILE_ERROR);
  if ((compile && compile.state !== TaskState.COMPLETED) || (checker && checker.state !== TaskState.COMPLETED)) return { kind: 'wait' };
  if (checker?.compile && checker.compile.verdict !== Verdict.OK) {
    const why = checker.compile.verdict === Verdict.COMPILE_ERROR ? 'did not compile' : `could not be compiled (${checker.compile.verdict})`;
    return checkerFailed(`the checker ${why}: see checkerCompile`);
  }
  return null;
}

/** A plain job's verdict: OK only if every run is OK, else the first run's failure. */
function runVerdict(verdicts: (Verdict | undefined)[]): Verdict {
  return verdicts.map((verdict) => verdict ?? Verdict.INTERNAL_ERROR).find((verdict) => verdict !== Verdict.OK) ?? Verdict.OK;
}

/**
 * OK only when every test passed, else the verdict of the first failing test
 * (by index) — unless the checker failed on any test: a judgement that
 * failed anywhere decides the job (CHECKER_ERROR, with the checker's reason).
 */
function testsVerdict(job: JobRecord): NextStep {
  const results = testResultsOf(job);
  const checkerError = results.find((result) => result?.verdict === Verdict.CHECKER_ERROR);
  if (checkerError) return checkerFailedOn(checkerError);
  const failure = results.find((result) => result && result.verdict !== Verdict.OK);
  if (failure) return completed(failure.verdict);
  // A finished run task that left a test out without a failure before it: Kiln's fault.
  return completed(results.every(Boolean) ? Verdict.OK : Verdict.INTERNAL_ERROR);
}

/**
 * With stopOnFirstFailure the first failing test decides as soon as every
 * test before it is known to pass, even while later batches still run.
 */
function decidedFailure(job: JobRecord): NextStep | null {
  for (const result of testResultsOf(job)) {
    if (result === null) return null;
    if (result.verdict === Verdict.CHECKER_ERROR) return checkerFailedOn(result);
    if (result.verdict !== Verdict.OK) return completed(result.verdict);
  }
  return null;
}

function checkerFailedOn(test: TestSummary): NextStep {
  return checkerFailed(`test ${test.index}: ${test.checkerError ?? 'the checker could not judge'}`);
}

function completed(verdict: Verdict): NextStep {
  return { kind: 'finish', finish: { state: JobState.COMPLETED, verdict } };
}

/** The request's checker could not judge: the job is complete (Kiln did its part), its verdict says why not judged. */
function checkerFailed(error: string): NextStep {
  return { kind: 'finish', finish: { state: JobState.COMPLETED, verdict: Verdict.CHECKER_ERROR, error } };
}

function failed(error: string): NextStep {
  return { kind: 'finish', finish: { state: JobState.FAILED, verdict: Verdict.INTERNAL_ERROR, error } };
}
