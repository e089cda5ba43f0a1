import { isFinishedTaskState, JobRecord, JobState, TaskPlan, TaskState, Verdict } from '@kiln/tasks';
import { JobFinish } from '../jobs/job-store';

/** What the coordinator must do next for a job, derived from its record alone. */
export type NextStep =
  | { kind: 'wait' }
  | { kind: 'enqueue'; tasks: TaskPlan[] }
  | { kind: 'finish'; finish: JobFinish };

/**
 * Pure decision: compile → run → finish. Because it only reads the record, a
 * repeated or late event yields the same decision, and acting on it twice is
 * harmless (enqueueing uses deterministic ids; finishing is a conditional write).
 */
export function nextStep(job: JobRecord): NextStep {
  const plan = job.meta.plan.filter((task) => task.kind !== 'cleanup');
  const compile = job.tasks.compile;
  if (compile) {
    if (compile.state === TaskState.FAILED) return failed(`compile task failed: ${compile.error ?? 'unknown error'}`);
    if (compile.state !== TaskState.COMPLETED) return { kind: 'wait' };
    if (compile.compile && compile.compile.verdict !== Verdict.OK) {
      return { kind: 'finish', finish: { state: JobState.COMPLETED, verdict: Verdict.COMPILE_ERROR } };
    }
  }
  const runs = plan.filter((task) => task.kind === 'run').map((task) => job.tasks[task.id]);
  const failedRun = runs.find((task) => task.state === TaskState.FAILED);
  if (failedRun) return failed(`run task failed: ${failedRun.error ?? 'unknown error'}`);
  const pending = plan.filter((task) => task.kind === 'run' && job.tasks[task.id].state === TaskState.PENDING);
  if (pending.length) return { kind: 'enqueue', tasks: pending };
  if (!runs.every((task) => isFinishedTaskState(task.state))) return { kind: 'wait' };
  const verdicts = runs.map((task) => task.run?.verdict ?? Verdict.INTERNAL_ERROR);
  return { kind: 'finish', finish: { state: JobState.COMPLETED, verdict: runVerdict(verdicts) } };
}

/** The job's verdict: OK only if every run is OK, else the first run's failure. */
function runVerdict(verdicts: Verdict[]): Verdict {
  return verdicts.find((verdict) => verdict !== Verdict.OK) ?? Verdict.OK;
}

function failed(error: string): NextStep {
  return { kind: 'finish', finish: { state: JobState.FAILED, verdict: Verdict.INTERNAL_ERROR, error } };
}
