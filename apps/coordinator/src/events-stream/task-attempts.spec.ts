import { TaskAttempts } from './task-attempts';

const output = (task: string, attempt?: number) => ({ type: 'output' as const, task, stream: 'stdout' as const, dataBase64: '', ...(attempt ? { attempt } : {}) });

describe('TaskAttempts', () => {
  it('takes an entry without an attempt (logged before attempts were) for the first', () => {
    const attempts = new TaskAttempts();
    expect(attempts.of(output('run'))).toBe('current');
    expect(attempts.of(output('run', 1))).toBe('current');
  });

  it('calls the first entry of a newer attempt first, once, per task', () => {
    const attempts = new TaskAttempts();
    expect(attempts.of(output('run', 1))).toBe('current');
    expect(attempts.of(output('run', 2))).toBe('first');
    expect(attempts.of(output('run', 2))).toBe('current');
    expect(attempts.of(output('batch-1', 1))).toBe('current');
  });

  it('calls an older attempt written after a newer one stale', () => {
    const attempts = new TaskAttempts();
    expect(attempts.of(output('run', 2))).toBe('first');
    expect(attempts.of(output('run', 1))).toBe('stale');
    expect(attempts.of(output('run'))).toBe('stale');
  });
});
