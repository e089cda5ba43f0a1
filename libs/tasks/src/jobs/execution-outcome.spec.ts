import { ExecutionOutcome, signalName, verdictOfExecution } from './execution-outcome';
import { Verdict } from './verdict';

const clean: ExecutionOutcome = { exitCode: 0, signal: null, timedOut: false, cpuLimited: false, outputLimited: false, oomKilled: false };

describe('verdictOfExecution', () => {
  it.each([
    [{}, Verdict.OK],
    [{ exitCode: 3 }, Verdict.RUNTIME_ERROR],
    [{ exitCode: null, signal: 11 }, Verdict.RUNTIME_ERROR],
    [{ exitCode: null, signal: 9, timedOut: true }, Verdict.TIMEOUT],
    [{ exitCode: null, signal: 24 }, Verdict.TIMEOUT],
    [{ cpuLimited: true, exitCode: null, signal: 9 }, Verdict.TIMEOUT],
    [{ exitCode: null, signal: 9, oomKilled: true }, Verdict.MEMORY_LIMIT],
    [{ exitCode: null, signal: 9, outputLimited: true }, Verdict.OUTPUT_LIMIT],
    [{ exitCode: null, signal: 9, oomKilled: true, timedOut: true }, Verdict.MEMORY_LIMIT],
  ])('%j → %s', (partial, verdict) => {
    expect(verdictOfExecution({ ...clean, ...partial })).toBe(verdict);
  });
});

describe('signalName', () => {
  it('names signals and keeps unknown ones readable', () => {
    expect(signalName(9)).toBe('SIGKILL');
    expect(signalName(0)).toBeNull();
    expect(signalName(null)).toBeNull();
    expect(signalName(40)).toBe('SIG40');
  });
});
