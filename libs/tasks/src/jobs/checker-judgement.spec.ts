import { CHECKER_MESSAGE_BYTES, CheckerRunOutcome, judgementOfChecker } from './checker-judgement';
import { jsonTextBytes } from './output-budget';
import { Verdict } from './verdict';

const exited = (exitCode: number | null, extra: Partial<CheckerRunOutcome> = {}): CheckerRunOutcome => ({
  exitCode,
  signal: null,
  timedOut: false,
  cpuLimited: false,
  outputLimited: false,
  oomKilled: false,
  ...extra,
});
const judge = (outcome: CheckerRunOutcome, stderr = '') => judgementOfChecker(outcome, Buffer.from(stderr));

describe('judgementOfChecker: testlib’s exit codes', () => {
  it.each([
    [0, 'ok 2 numbers\n', Verdict.OK],
    [1, 'wrong answer 3 + 4 is not 8\n', Verdict.WRONG_ANSWER],
    [2, 'wrong output format Unexpected end of file - int32 expected\n', Verdict.PRESENTATION_ERROR],
    [4, 'wrong output format Extra information in the output file\n', Verdict.PRESENTATION_ERROR],
    [8, 'unexpected eof Unexpected end of file - token expected\n', Verdict.PRESENTATION_ERROR],
  ])('exit code %i (stderr %j) is %s, the stderr its message', (code, stderr, verdict) => {
    expect(judge(exited(code), stderr)).toEqual({ verdict, message: stderr.trim() });
  });

  it('7 is points: OK with the points testlib’s quitp wrote', () => {
    expect(judge(exited(7), 'points 0.5 half of the pairs\n')).toEqual({ verdict: Verdict.OK, message: 'points 0.5 half of the pairs', points: 0.5 });
    expect(judge(exited(7), 'points 3')).toMatchObject({ verdict: Verdict.OK, points: 3 });
    expect(judge(exited(7), 'points 1e-2 tiny')).toMatchObject({ points: 0.01 });
  });

  it('7 without "points <number>" is the checker’s error', () => {
    for (const stderr of ['', 'points', 'points many', 'half points 0.5', 'points 0.5x']) {
      expect(judge(exited(7), stderr)).toMatchObject({ verdict: Verdict.CHECKER_ERROR, error: expect.stringContaining('points <number>') });
    }
  });

  it('3 is testlib’s FAIL: the checker’s error, never the program’s, with the checker’s message kept', () => {
    expect(judge(exited(3), 'FAIL answer file has 2 numbers, 3 expected\n')).toEqual({
      verdict: Verdict.CHECKER_ERROR,
      message: 'FAIL answer file has 2 numbers, 3 expected',
      error: 'the checker failed (exit code 3, testlib’s FAIL)',
    });
  });

  it.each([5, 6, 9, 42, 127, 255, -1])('exit code %i, outside the convention, is the checker’s error naming it', (code) => {
    expect(judge(exited(code))).toMatchObject({ verdict: Verdict.CHECKER_ERROR, error: expect.stringContaining(`exited with ${code}`) });
  });

  it('a signal, a limit or a checker that never started is the checker’s error with the reason', () => {
    const cases: [Partial<CheckerRunOutcome>, string][] = [
      [{ exitCode: null, signal: 11 }, 'the checker was killed by SIGSEGV'],
      [{ exitCode: null, signal: 6 }, 'the checker was killed by SIGABRT'],
      [{ exitCode: null, signal: 9, timedOut: true }, 'the checker did not finish within its time limit (checker.limits.timeoutMs)'],
      [{ exitCode: null, signal: 9, cpuLimited: true }, 'the checker used up its CPU time (checker.limits.cpuTimeMs)'],
      [{ exitCode: null, signal: 24 }, 'the checker used up its CPU time (checker.limits.cpuTimeMs)'],
      [{ exitCode: null, signal: 9, oomKilled: true }, 'the checker ran out of memory (checker.limits.memoryMb)'],
      [{ exitCode: null, signal: 9, outputLimited: true }, 'the checker wrote more than its output limit (checker.limits.outputBytes)'],
      [{ exitCode: 127, startError: 'No such file or directory' }, 'the checker could not be started: No such file or directory'],
    ];
    for (const [outcome, error] of cases) {
      const judgement = judge({ ...exited(0), ...outcome });
      expect(judgement).toEqual({ verdict: Verdict.CHECKER_ERROR, message: '', error });
    }
  });

  it('an interactor’s failure names the interactor and its limits’ fields', () => {
    const failed = (outcome: Partial<CheckerRunOutcome>) => judgementOfChecker({ ...exited(0), ...outcome }, Buffer.alloc(0), 'interactor').error;
    expect(failed({ exitCode: null, signal: 11 })).toBe('the interactor was killed by SIGSEGV');
    expect(failed({ exitCode: null, signal: 9, timedOut: true })).toBe('the interactor did not finish within its time limit (interactor.limits.timeoutMs)');
    expect(failed({ exitCode: 3 })).toBe('the interactor failed (exit code 3, testlib’s FAIL)');
    expect(judgementOfChecker(exited(1), Buffer.from('too many questions\n'), 'interactor')).toEqual({ verdict: Verdict.WRONG_ANSWER, message: 'too many questions' });
  });

  it('a limit decides before an exit code: a checker that said ok after its time ran out did not judge', () => {
    expect(judge(exited(0, { timedOut: true }), 'ok')).toMatchObject({ verdict: Verdict.CHECKER_ERROR });
  });

  it('bounds the message as JSON text, at a whole character', () => {
    const long = `wrong answer ${'é\u0001'.repeat(2000)}`;
    const { message } = judge(exited(1), long);
    expect(jsonTextBytes(message)).toBeLessThanOrEqual(CHECKER_MESSAGE_BYTES);
    expect(jsonTextBytes(message)).toBeGreaterThan(CHECKER_MESSAGE_BYTES - 8);
    expect(long.startsWith(message)).toBe(true);
  });

  it('reads a message that is not UTF-8 without failing', () => {
    const judgement = judgementOfChecker(exited(1), Buffer.from([0x77, 0xff, 0x61]));
    expect(judgement).toEqual({ verdict: Verdict.WRONG_ANSWER, message: 'w\ufffda' });
  });
});
