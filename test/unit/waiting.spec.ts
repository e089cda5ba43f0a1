import { ConditionBroken, eventually, remains, WaitTimeout } from '../support/waiting';

/** The test suites' waits: a timeout is a failure that says what was awaited and what was seen. */
describe('eventually', () => {
  it('answers the first value the condition takes', async () => {
    let calls = 0;
    expect(await eventually(async () => ++calls, (n) => n === 3, 5000)).toBe(3);
  });

  it('throws at its timeout, naming what it waited for and the last value', async () => {
    const waited = eventually(async () => ({ state: 'RUNNING' }), (job) => job.state === 'COMPLETED', 200, 'the job to complete');
    await expect(waited).rejects.toThrow(WaitTimeout);
    await expect(waited).rejects.toThrow("timed out after 200 ms waiting for the job to complete; the last value was { state: 'RUNNING' }");
  });

  it('names the condition by its source when not told, and asks a lazy purpose only when it fails', async () => {
    await expect(eventually(async () => 1, (n) => n === 2, 100)).rejects.toThrow(/waiting for \(?n\)? ?=> ?n === 2; the last value was 1$/);
    let asked = 0;
    const purpose = () => `purpose asked ${++asked} time(s)`;
    await eventually(async () => 2, (n) => n === 2, 100, purpose);
    expect(asked).toBe(0);
    await expect(eventually(async () => 1, (n) => n === 2, 100, purpose)).rejects.toThrow('waiting for purpose asked 1 time(s)');
  });
});

describe('remains', () => {
  it('answers the last value once the condition has held for the whole window', async () => {
    const started = Date.now();
    expect(await remains(async () => 'SCHEDULED', (state) => state === 'SCHEDULED', 300)).toBe('SCHEDULED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('throws at the first value the condition refuses, saying what broke it', async () => {
    let calls = 0;
    const held = remains(async () => ++calls, (n) => n < 3, 5000, 'fewer than three deliveries');
    await expect(held).rejects.toThrow(ConditionBroken);
    await expect(held).rejects.toThrow(/^fewer than three deliveries stopped holding after \d+ ms; the value was 3$/);
  });
});
