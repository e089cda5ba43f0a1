import { JobRecord, JobState, StageResult, TaskRecord, TaskState, Verdict } from '@kiln/tasks';
import { nextStep } from './job-progression';

function stage(verdict: Verdict): StageResult {
  return { stdout: '', stderr: '', exitCode: 0, signal: null, verdict, wallTimeMs: 1, cpuTimeMs: 1, memoryBytes: 1, truncated: false };
}

function job(compiled: boolean, tasks: Partial<Record<string, Partial<TaskRecord>>>): JobRecord {
  const plan = [
    ...(compiled ? [{ id: 'compile', kind: 'compile' as const }] : []),
    { id: 'run', kind: 'run' as const },
    { id: 'cleanup', kind: 'cleanup' as const },
  ];
  const records: Record<string, TaskRecord> = {};
  for (const task of plan) records[task.id] = { id: task.id, kind: task.kind, state: TaskState.PENDING, ...tasks[task.id] };
  return {
    meta: { id: 'j', language: 'c', compiled, limits: {} as never, plan, createdAt: '', queue: 'default', priority: 5 },
    state: JobState.RUNNING,
    verdict: null,
    tasks: records,
  };
}

describe('nextStep', () => {
  it('waits for the compile task', () => {
    expect(nextStep(job(true, { compile: { state: TaskState.RUNNING } }))).toEqual({ kind: 'wait' });
  });

  it('finishes with COMPILE_ERROR and never runs when compilation fails', () => {
    const step = nextStep(job(true, { compile: { state: TaskState.COMPLETED, compile: stage(Verdict.COMPILE_ERROR) } }));
    expect(step).toEqual({ kind: 'finish', finish: { state: JobState.COMPLETED, verdict: Verdict.COMPILE_ERROR } });
  });

  it('enqueues the run tasks after a successful compile', () => {
    const step = nextStep(job(true, { compile: { state: TaskState.COMPLETED, compile: stage(Verdict.OK) } }));
    expect(step).toEqual({ kind: 'enqueue', tasks: [{ id: 'run', kind: 'run' }] });
  });

  it('does not enqueue a run task that is already queued (a repeated event)', () => {
    const step = nextStep(
      job(true, { compile: { state: TaskState.COMPLETED, compile: stage(Verdict.OK) }, run: { state: TaskState.QUEUED } }),
    );
    expect(step).toEqual({ kind: 'wait' });
  });

  it("finishes COMPLETED with the run's verdict", () => {
    const step = nextStep(job(false, { run: { state: TaskState.COMPLETED, run: stage(Verdict.TIMEOUT) } }));
    expect(step).toEqual({ kind: 'finish', finish: { state: JobState.COMPLETED, verdict: Verdict.TIMEOUT } });
  });

  it('fails the job when Kiln could not run a task', () => {
    const step = nextStep(job(false, { run: { state: TaskState.FAILED, error: 'docker down' } }));
    expect(step).toEqual({
      kind: 'finish',
      finish: { state: JobState.FAILED, verdict: Verdict.INTERNAL_ERROR, error: 'run task failed: docker down' },
    });
  });
});
