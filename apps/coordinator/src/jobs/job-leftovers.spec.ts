import { JobRecord, JobState, TaskPlan, TaskRecord, TaskState } from '@kiln/tasks';
import { cleanupTask, mayLeaveSandboxes, unstartedTasks } from './job-leftovers';

function job(plan: TaskPlan[], states: Record<string, TaskState>): JobRecord {
  const tasks: Record<string, TaskRecord> = {};
  for (const task of plan) tasks[task.id] = { id: task.id, kind: task.kind, state: states[task.id] ?? TaskState.PENDING };
  return {
    meta: { id: 'j', language: 'c', compiled: true, limits: {} as never, plan, createdAt: '', queue: 'default', priority: 5 },
    state: JobState.RUNNING,
    verdict: null,
    tasks,
  };
}

const plain: TaskPlan[] = [
  { id: 'run', kind: 'run' },
  { id: 'cleanup', kind: 'cleanup' },
];
const judged: TaskPlan[] = [
  { id: 'compile', kind: 'compile' },
  { id: 'run-1', kind: 'run', tests: [0] },
  { id: 'run-2', kind: 'run', tests: [1] },
  { id: 'cleanup', kind: 'cleanup' },
];

describe('what a job leaves behind as it ends', () => {
  it('a job ended by its tasks’ reports leaves nothing to clean', () => {
    const done = job(plain, { run: TaskState.COMPLETED });
    expect(mayLeaveSandboxes(done)).toBe(false);
    expect(unstartedTasks(done)).toEqual([]);
    expect(cleanupTask(done)).toMatchObject({ id: 'cleanup', state: TaskState.PENDING });
  });

  it('nor does one whose tasks failed in Kiln, or were never queued (a compile error)', () => {
    expect(mayLeaveSandboxes(job(plain, { run: TaskState.FAILED }))).toBe(false);
    const compileError = job(judged, { compile: TaskState.COMPLETED });
    expect(mayLeaveSandboxes(compileError)).toBe(false);
    expect(unstartedTasks(compileError).map((task) => task.id)).toEqual(['run-1', 'run-2']);
  });

  it('a task still running when the job is decided (stopOnFirstFailure, another batch failed) may have a sandbox alive', () => {
    const decided = job(judged, { compile: TaskState.COMPLETED, 'run-1': TaskState.COMPLETED, 'run-2': TaskState.RUNNING });
    expect(mayLeaveSandboxes(decided)).toBe(true);
    expect(unstartedTasks(decided)).toEqual([]);
  });

  it('so may a queued one, which a worker may be taking; it is also one that will never run', () => {
    const decided = job(judged, { compile: TaskState.COMPLETED, 'run-1': TaskState.FAILED, 'run-2': TaskState.QUEUED });
    expect(mayLeaveSandboxes(decided)).toBe(true);
    expect(unstartedTasks(decided).map((task) => task.id)).toEqual(['run-2']);
  });
});
