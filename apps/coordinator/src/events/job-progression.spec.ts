import { JobRecord, JobState, StageResult, TaskRecord, TaskState, TestSummary, Verdict } from '@kiln/tasks';
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

describe('nextStep with a custom checker', () => {
  const checkerPlan = { language: 'cpp', compiled: true, limits: {} as never };

  /** A C job with a compiled checker and one batch of two tests. */
  function checked(tasks: Record<string, Partial<TaskRecord>>, stopOnFirstFailure = false): JobRecord {
    const plan = [
      { id: 'compile', kind: 'compile' as const },
      { id: 'checker-compile', kind: 'compile' as const, program: 'checker' as const },
      { id: 'run-1', kind: 'run' as const, tests: [0, 1] },
      { id: 'cleanup', kind: 'cleanup' as const },
    ];
    const records: Record<string, TaskRecord> = {};
    for (const task of plan) records[task.id] = { id: task.id, kind: task.kind, state: TaskState.PENDING, ...tasks[task.id] };
    const options = { comparison: 'trimmed' as const, stopOnFirstFailure, outputEncoding: 'utf8' as const };
    return {
      meta: { id: 'j', language: 'c', compiled: true, limits: {} as never, testCount: 2, options, checker: checkerPlan, plan, createdAt: '', queue: 'default', priority: 5 },
      state: JobState.RUNNING,
      verdict: null,
      tasks: records,
    };
  }

  const compiled = (verdict: Verdict) => ({ state: TaskState.COMPLETED, compile: stage(verdict) });
  const bothCompiled = { compile: compiled(Verdict.OK), 'checker-compile': compiled(Verdict.OK) };
  const tests = (...results: Partial<TestSummary>[]) => ({
    state: TaskState.COMPLETED,
    tests: results.map((result, index) => ({ ...stage(Verdict.OK), index, ...result })),
  });

  it('runs the tests only once both compiles succeeded', () => {
    expect(nextStep(checked({ compile: compiled(Verdict.OK), 'checker-compile': { state: TaskState.RUNNING } }))).toEqual({ kind: 'wait' });
    expect(nextStep(checked({ compile: { state: TaskState.RUNNING }, 'checker-compile': compiled(Verdict.OK) }))).toEqual({ kind: 'wait' });
    expect(nextStep(checked(bothCompiled))).toEqual({ kind: 'enqueue', tasks: [{ id: 'run-1', kind: 'run', tests: [0, 1] }] });
  });

  it('a program that does not compile is COMPILE_ERROR at once, whatever the checker’s compile does', () => {
    for (const checker of [{ state: TaskState.RUNNING }, compiled(Verdict.COMPILE_ERROR)]) {
      const step = nextStep(checked({ compile: compiled(Verdict.COMPILE_ERROR), 'checker-compile': checker }));
      expect(step).toEqual({ kind: 'finish', finish: { state: JobState.COMPLETED, verdict: Verdict.COMPILE_ERROR } });
    }
  });

  it('a checker that does not compile is CHECKER_ERROR once the program compiled, never the program’s COMPILE_ERROR', () => {
    expect(nextStep(checked({ compile: { state: TaskState.RUNNING }, 'checker-compile': compiled(Verdict.COMPILE_ERROR) }))).toEqual({ kind: 'wait' });
    const step = nextStep(checked({ compile: compiled(Verdict.OK), 'checker-compile': compiled(Verdict.COMPILE_ERROR) }));
    expect(step).toEqual({
      kind: 'finish',
      finish: { state: JobState.COMPLETED, verdict: Verdict.CHECKER_ERROR, error: 'the checker did not compile: see checkerCompile' },
    });
    const slow = nextStep(checked({ compile: compiled(Verdict.OK), 'checker-compile': compiled(Verdict.TIMEOUT) }));
    expect(slow).toMatchObject({ finish: { verdict: Verdict.CHECKER_ERROR, error: 'the checker could not be compiled (TIMEOUT): see checkerCompile' } });
  });

  it('fails the job as Kiln’s when Kiln could not run the checker’s compile', () => {
    const step = nextStep(checked({ compile: compiled(Verdict.OK), 'checker-compile': { state: TaskState.FAILED, error: 'no image' } }));
    expect(step).toEqual({
      kind: 'finish',
      finish: { state: JobState.FAILED, verdict: Verdict.INTERNAL_ERROR, error: 'checker-compile task failed: no image' },
    });
  });

  it('takes the checker’s verdicts like any test’s: the first failing one by index', () => {
    const step = nextStep(checked({ ...bothCompiled, 'run-1': tests({ verdict: Verdict.PRESENTATION_ERROR }, { verdict: Verdict.WRONG_ANSWER }) }));
    expect(step).toEqual({ kind: 'finish', finish: { state: JobState.COMPLETED, verdict: Verdict.PRESENTATION_ERROR } });
  });

  it('a checker that failed on any test decides the job, with its reason: CHECKER_ERROR, not the wrong answer before it', () => {
    const run = tests({ verdict: Verdict.WRONG_ANSWER }, { verdict: Verdict.CHECKER_ERROR, checkerError: 'the checker was killed by SIGSEGV' });
    expect(nextStep(checked({ ...bothCompiled, 'run-1': run }))).toEqual({
      kind: 'finish',
      finish: { state: JobState.COMPLETED, verdict: Verdict.CHECKER_ERROR, error: 'test 1: the checker was killed by SIGSEGV' },
    });
  });

  it('with stopOnFirstFailure, a checker’s error is the failure that decides', () => {
    const run = tests({ verdict: Verdict.CHECKER_ERROR, checkerError: 'the checker failed (exit code 3, testlib’s FAIL)' });
    expect(nextStep(checked({ ...bothCompiled, 'run-1': run }, true))).toMatchObject({
      finish: { state: JobState.COMPLETED, verdict: Verdict.CHECKER_ERROR, error: 'test 0: the checker failed (exit code 3, testlib’s FAIL)' },
    });
  });
});

describe('nextStep with an interactor', () => {
  const interactorPlan = { language: 'cpp', compiled: true, limits: {} as never };

  /** A Python job with a compiled interactor and one plain run. */
  function interacted(tasks: Partial<Record<string, Partial<TaskRecord>>>): JobRecord {
    const plan = [
      { id: 'interactor-compile', kind: 'compile' as const, program: 'interactor' as const },
      { id: 'run', kind: 'run' as const },
      { id: 'cleanup', kind: 'cleanup' as const },
    ];
    const records: Record<string, TaskRecord> = {};
    for (const task of plan) records[task.id] = { id: task.id, kind: task.kind, state: TaskState.PENDING, ...tasks[task.id] };
    return {
      meta: { id: 'j', language: 'python', compiled: false, limits: {} as never, interactor: interactorPlan, plan, createdAt: '', queue: 'default', priority: 5 },
      state: JobState.RUNNING,
      verdict: null,
      tasks: records,
    };
  }

  it('runs once the interactor compiled; one that did not is CHECKER_ERROR naming it, never the program’s COMPILE_ERROR', () => {
    expect(nextStep(interacted({ 'interactor-compile': { state: TaskState.RUNNING } }))).toEqual({ kind: 'wait' });
    const ok = nextStep(interacted({ 'interactor-compile': { state: TaskState.COMPLETED, compile: stage(Verdict.OK) } }));
    expect(ok).toEqual({ kind: 'enqueue', tasks: [{ id: 'run', kind: 'run' }] });
    const broken = nextStep(interacted({ 'interactor-compile': { state: TaskState.COMPLETED, compile: stage(Verdict.COMPILE_ERROR) } }));
    expect(broken).toEqual({
      kind: 'finish',
      finish: { state: JobState.COMPLETED, verdict: Verdict.CHECKER_ERROR, error: 'the interactor did not compile: see interactorCompile' },
    });
  });

  it('an interactor that could not judge the run decides the job with its reason', () => {
    const run = { ...stage(Verdict.CHECKER_ERROR), checkerError: 'the interactor was killed by SIGSEGV' };
    const step = nextStep(interacted({ 'interactor-compile': { state: TaskState.COMPLETED, compile: stage(Verdict.OK) }, run: { state: TaskState.COMPLETED, run } }));
    expect(step).toEqual({
      kind: 'finish',
      finish: { state: JobState.COMPLETED, verdict: Verdict.CHECKER_ERROR, error: 'the interactor was killed by SIGSEGV' },
    });
  });
});
