import { runEvery } from './periodic-pass';

describe('runEvery', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs the pass every interval, reports a failed one and goes on, and runs none after the stop', async () => {
    const failures: string[] = [];
    let runs = 0;
    const stop = runEvery(
      1000,
      async () => {
        if (++runs === 2) throw new Error('Redis went away');
      },
      (error) => failures.push(error.message),
    );
    await jest.advanceTimersByTimeAsync(999);
    expect(runs).toBe(0);
    await jest.advanceTimersByTimeAsync(2001);
    expect(runs).toBe(3);
    expect(failures).toEqual(['Redis went away']);
    stop();
    await jest.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(3);
  });
});
