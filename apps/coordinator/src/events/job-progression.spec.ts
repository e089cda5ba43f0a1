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

describe('nextStep with test cases split into run tasks', () => {
  const batches = [
    { id: 'run-1', kind: 'run' as const, tests: [0, 1] },
    { id: 'run-2', kind: 'run' as const, tests: [2, 3] },
  ];

  function tested(verdicts: Verdict[], index: number) {
    return verdicts.map((verdict, n) => ({ ...stage(verdict), index: index + n }));
  }

  function judged(tasks: Record<string, Partial<TaskRecord>>, stopOnFirstFailure = false): JobRecord {
    const plan = [{ id: 'compile', kind: 'compile' as const }, ...batches, { id: 'cleanup', kind: 'cleanup' as const }];
    const records: Record<string, TaskRecord> = {};
    for (const task of plan) records[task.id] = { id: task.id, kind: task.kind, state: TaskState.PENDING, ...tasks[task.id] };
    records.compile = { ...records.compile, state: TaskState.COMPLETED, compile: stage(Verdict.OK) };
    const options = { comparison: 'trimmed' as const, stopOnFirstFailure, outputEncoding: 'utf8' as const };
    return {
      meta: { id: 'j', language: 'c', compiled: true, limits: {} as never, testCount: 4, options, plan, createdAt: '', queue: 'default', priority: 5 },
      state: JobState.RUNNING,
      verdict: null,
      tasks: records,
    };
  }

  const done = (verdicts: Verdict[], index: number) => ({ state: TaskState.COMPLETED, tests: tested(verdicts, index) });

  it('enqueues every batch at once after the single compile', () => {
    expect(nextStep(judged({}))).toEqual({ kind: 'enqueue', tasks: batches });
  });

  it('waits until every batch is done', () => {
    const step = nextStep(judged({ 'run-1': done([Verdict.OK, Verdict.WRONG_ANSWER], 0), 'run-2': { state: TaskState.RUNNING } }));
    expect(step).toEqual({ kind: 'wait' });
  });

  it('is OK only when every test passed', () => {
    const step = nextStep(judged({ 'run-1': done([Verdict.OK, Verdict.OK], 0), 'run-2': done([Verdict.OK, Verdict.OK], 2) }));
    expect(step).toEqual({ kind: 'finish', finish: { state: JobState.COMPLETED, verdict: Verdict.OK } });
  });

  it('takes the verdict of the first failing test by index, whichever batch finished first', () => {
    const step = nextStep(
      judged({ 'run-1': done([Verdict.OK, Verdict.TIMEOUT], 0), 'run-2': done([Verdict.WRONG_ANSWER, Verdict.OK], 2) }),
    );
    expect(step).toEqual({ kind: 'finish', finish: { state: JobState.COMPLETED, verdict: Verdict.TIMEOUT } });
  });

  it('with stopOnFirstFailure decides as soon as every test before the failure passed', () => {
    const early = judged({ 'run-1': done([Verdict.OK, Verdict.WRONG_ANSWER], 0), 'run-2': { state: TaskState.RUNNING } }, true);
    expect(nextStep(early)).toEqual({ kind: 'finish', finish: { state: JobState.COMPLETED, verdict: Verdict.WRONG_ANSWER } });
    const undecided = judged({ 'run-1': { state: TaskState.RUNNING }, 'run-2': done([Verdict.WRONG_ANSWER], 2) }, true);
    expect(nextStep(undecided)).toEqual({ kind: 'wait' });
  });

  it('counts a batch that stopped at its own failure as decided by that failure', () => {
    const stopped = judged({ 'run-1': done([Verdict.RUNTIME_ERROR], 0), 'run-2': done([Verdict.OK, Verdict.OK], 2) }, true);
    expect(nextStep(stopped)).toEqual({ kind: 'finish', finish: { state: JobState.COMPLETED, verdict: Verdict.RUNTIME_ERROR } });
  });

  it('fails the job when a batch could not be run by Kiln', () => {
    const step = nextStep(judged({ 'run-1': { state: TaskState.FAILED, error: 'no image' } }));
    expect(step).toMatchObject({ kind: 'finish', finish: { state: JobState.FAILED, verdict: Verdict.INTERNAL_ERROR } });
  });
});
