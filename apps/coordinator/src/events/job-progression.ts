import {
  CompiledProgram,
  isFinishedTaskState,
  JobFinish,
  JobRecord,
  JobState,
  JUDGE_COMPILE_TASKS,
  StageSummary,
  TaskPlan,
  TaskRecord,
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
  return job.meta.testCount ? testsVerdict(job) : runsVerdict(runs);
}

/**
 * The compiles (the program's, and a checker's or an interactor's, side by
 * side): null once all succeeded. The program's compile error decides at
 * once, whatever the judging program's compile does (the program cannot be
 * judged either way); a checker or interactor that did not compile decides
 * once the program is known to have compiled, so the verdict never depends
 * on which compile finished first.
 */
function compilesStep(job: JobRecord): NextStep | null {
  const compile = job.tasks.compile;
  const judges = (Object.entries(JUDGE_COMPILE_TASKS) as [CompiledProgram, string][])
    .map(([role, id]) => ({ role, task: job.tasks[id] as TaskRecord | undefined }))
    .filter((judge): judge is { role: CompiledProgram; task: TaskRecord } => judge.task !== undefined);
  for (const task of [compile, ...judges.map((judge) => judge.task)]) {
    if (task?.state === TaskState.FAILED) return failed(`${task.id} task failed: ${task.error ?? 'unknown error'}`);
  }
  if (compile?.state === TaskState.COMPLETED && compile.compile && compile.compile.verdict !== Verdict.OK) return completed(Verdict.COMPILE_ERROR);
  if ([compile, ...judges.map((judge) => judge.task)].some((task) => task && task.state !== TaskState.COMPLETED)) return { kind: 'wait' };
  for (const { role, task } of judges) {
    if (task.compile && task.compile.verdict !== Verdict.OK) {
      const why = task.compile.verdict === Verdict.COMPILE_ERROR ? 'did not compile' : `could not be compiled (${task.compile.verdict})`;
      return checkerFailed(`the ${role} ${why}: see ${role}Compile`);
    }
  }
  return null;
}

/**
 * A plain job's verdict: OK only if every run is OK, else the first run's
 * failure; an interactor that could not judge the run says why.
 */
function runsVerdict(runs: TaskRecord[]): NextStep {
  const stages = runs.map((task) => task.run);
  const failure = stages.find((stage): stage is StageSummary => stage !== undefined && stage.verdict !== Verdict.OK);
  if (failure?.verdict === Verdict.CHECKER_ERROR) return checkerFailed(failure.checkerError ?? 'the interactor could not judge');
  if (failure) return completed(failure.verdict);
  return completed(stages.every(Boolean) ? Verdict.OK : Verdict.INTERNAL_ERROR);
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
  return checkerFailed(`test ${test.index}: ${test.checkerError ?? 'the checker or interactor could not judge'}`);
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
