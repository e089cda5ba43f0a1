import { StageResult, Verdict } from '@kiln/tasks';
import { toPistonStage } from './piston-result.mapper';

function stage(partial: Partial<StageResult>): StageResult {
  return {
    stdout: 'a', stderr: '', exitCode: 0, signal: null, verdict: Verdict.OK,
    wallTimeMs: 12, cpuTimeMs: 4, memoryBytes: 1000, truncated: false, ...partial,
  };
}

describe('toPistonStage', () => {
  it.each([
    [{}, { status: null, message: null, signal: null }],
    [{ verdict: Verdict.RUNTIME_ERROR, exitCode: 2 }, { status: 'RE', message: 'Exited with error status 2', code: 2 }],
    [{ verdict: Verdict.RUNTIME_ERROR, exitCode: null, signal: 'SIGFPE' }, { status: 'SG', message: 'Caught fatal signal 8', signal: 'SIGFPE' }],
    [{ verdict: Verdict.MEMORY_LIMIT, exitCode: null, signal: 'SIGKILL' }, { status: 'SG', message: 'Caught fatal signal 9' }],
    [{ verdict: Verdict.TIMEOUT, exitCode: null, signal: 'SIGXCPU', wallTimeMs: 900 }, { status: 'TO', message: 'Time limit exceeded', signal: 'SIGKILL' }],
    [{ verdict: Verdict.TIMEOUT, exitCode: null, signal: 'SIGKILL', wallTimeMs: 1000 }, { status: 'TO', message: 'Time limit exceeded (wall clock)' }],
    [{ verdict: Verdict.OUTPUT_LIMIT, stderr: 'long', stdout: '' }, { status: 'EL', message: 'stderr length exceeded', signal: 'SIGKILL' }],
    [{ verdict: Verdict.INTERNAL_ERROR }, { status: 'XX' }],
  ])('%j → %j', (partial, expected) => {
    expect(toPistonStage(stage(partial), 1000)).toMatchObject(expected);
  });

  it('falls back to stdout then stderr when the job did not ask for combined output', () => {
    expect(toPistonStage(stage({ stdout: 'out', stderr: 'err' }), 1000).output).toBe('outerr');
    expect(toPistonStage(stage({ stdout: 'out', stderr: 'err', output: 'eoruttr' }), 1000).output).toBe('eoruttr');
  });
});
