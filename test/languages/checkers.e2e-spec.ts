import { Harness, startKiln } from '../support/kiln-harness';
import { eventually } from '../support/waiting';
import { containersOfJob } from '../support/sandboxes';

/**
 * testlib's convention without testlib (which users bring in `files`): its
 * exit codes and a message on stderr, in a header of the checker's own.
 */
const VERDICT_H = `#pragma once
#include <cstdio>
#include <cstdlib>
enum { OK = 0, WRONG_ANSWER = 1, PRESENTATION_ERROR = 2, FAIL = 3 };
[[noreturn]] inline void quit(int code, const char* message) {
  std::fprintf(stderr, "%s\\n", message);
  std::exit(code);
}
`;

/**
 * "Print two integers whose sum is N": many right answers, so only a checker
 * can judge. Called as testlib calls a checker: input, output, answer. It
 * also misbehaves on purpose for three inputs: 13 crashes, 14 never ends,
 * 15 has a jury answer it refuses (FAIL).
 */
const SUM_CHECKER = `#include "verdict.h"
#include <fstream>
#include <string>
int main(int argc, char** argv) {
  if (argc != 4) quit(FAIL, "usage: checker input output answer");
  std::ifstream input(argv[1]), output(argv[2]), answer(argv[3]);
  long long n, jury_a, jury_b, a, b;
  if (!(input >> n)) quit(FAIL, "no N in the input");
  if (n == 13) { volatile int* nowhere = nullptr; *nowhere = 1; }
  if (n == 14) for (volatile unsigned long spin = 0;; spin++) {}
  if (!(answer >> jury_a >> jury_b) || jury_a + jury_b != n) quit(FAIL, "the jury's answer does not add up");
  if (!(output >> a >> b)) quit(PRESENTATION_ERROR, "wrong output format two integers expected");
  std::string extra;
  if (output >> extra) quit(PRESENTATION_ERROR, "wrong output format extra output after the two integers");
  char message[160];
  std::snprintf(message, sizeof message, "%s %lld + %lld %s %lld", a + b == n ? "ok" : "wrong answer", a, b, a + b == n ? "=" : "is not", n);
  quit(a + b == n ? OK : WRONG_ANSWER, message);
}
`;

const checker = { language: 'cpp', files: [{ name: 'checker.cpp', content: SUM_CHECKER }, { name: 'verdict.h', content: VERDICT_H }], limits: { timeoutMs: 2000 } };
/** The jury's answers: "0 N", which no program below prints. */
const sumTests = (...ns: number[]) => ns.map((n) => ({ stdin: `${n}\n`, expected: `0 ${n}` }));

interface TestView {
  index: number;
  verdict: string;
  stdout: string;
  checkerMessage?: string;
  checkerError?: string;
}

/**
 * Issue 17, acceptance 5 (checkers, on the real engine): a C++ checker,
 * compiled once per job (and then from the compile cache), accepts every
 * right answer of a problem with many, rejects a wrong one with its message,
 * and a checker that crashes, hangs or says FAIL is CHECKER_ERROR, never the
 * program's WRONG_ANSWER. The flow without Docker: checkers.component-spec.ts.
 */
describe('custom checkers (real sandboxes)', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln();
  });

  afterAll(async () => {
    await kiln?.close();
  });

  const execute = async (body: object) => {
    const response = await kiln.http().post('/execute').send(body);
    expect(response.status).toBe(200);
    return response.body;
  };
  const verdicts = (job: { tests: TestView[] }) => job.tests.map((test) => test.verdict);

  it('accepts any right answer: two programs, neither printing the jury’s, both OK with the checker’s message', async () => {
    const third = await execute({ language: 'python', code: 'n = int(input())\nprint(n // 3, n - n // 3)', tests: sumTests(5, 10, 0, -7), checker });
    expect(third).toMatchObject({ state: 'COMPLETED', verdict: 'OK', checkerCompile: { verdict: 'OK' } });
    expect(third.checkerCompile.cached).toBeUndefined();
    expect(third.tests.map((test: TestView) => test.checkerMessage)).toEqual(['ok 1 + 4 = 5', 'ok 3 + 7 = 10', 'ok 0 + 0 = 0', 'ok -3 + -4 = -7']);
    expect(third.tasks.map((task: { id: string }) => task.id)).toEqual(['checker-compile', 'run-1', 'cleanup']);

    const offByOne = await execute({ language: 'python', code: 'n = int(input())\nprint(n + 1, -1)', tests: sumTests(5, 10), checker });
    expect(offByOne).toMatchObject({ verdict: 'OK', checkerCompile: { verdict: 'OK', cached: true } });
    expect(offByOne.tests.map((test: TestView) => test.checkerMessage)).toEqual(['ok 6 + -1 = 5', 'ok 11 + -1 = 10']);
  });

  it('rejects a wrong answer with the checker’s message, and output it cannot read as a presentation error', async () => {
    const wrong = await execute({ language: 'python', code: 'n = int(input())\nprint("one" if n == 1 else f"{n} 1")', tests: sumTests(5, 1, 2), checker });
    expect(wrong).toMatchObject({ state: 'COMPLETED', verdict: 'WRONG_ANSWER' });
    expect(wrong.tests).toEqual([
      expect.objectContaining({ verdict: 'WRONG_ANSWER', stdout: '5 1\n', checkerMessage: 'wrong answer 5 + 1 is not 5' }),
      expect.objectContaining({ verdict: 'PRESENTATION_ERROR', stdout: 'one\n', checkerMessage: 'wrong output format two integers expected' }),
      expect.objectContaining({ verdict: 'WRONG_ANSWER', checkerMessage: 'wrong answer 2 + 1 is not 2' }),
    ]);
  });

  it('a checker that crashes, hangs or fails is CHECKER_ERROR with its reason, never WRONG_ANSWER, and leaves no sandbox', async () => {
    const job = await execute({ language: 'python', code: 'n = int(input())\nprint(0, n)', tests: [...sumTests(13, 14), { stdin: '15', expected: '1 1' }, ...sumTests(16)], checker });
    expect(job).toMatchObject({ state: 'COMPLETED', verdict: 'CHECKER_ERROR', error: 'test 0: the checker was killed by SIGSEGV' });
    expect(job.tests.map((test: TestView) => [test.verdict, test.checkerError])).toEqual([
      ['CHECKER_ERROR', 'the checker was killed by SIGSEGV'],
      ['CHECKER_ERROR', 'the checker did not finish within its time limit (checker.limits.timeoutMs)'],
      ['CHECKER_ERROR', 'the checker failed (exit code 3, testlib’s FAIL)'],
      ['OK', undefined],
    ]);
    expect(job.tests[2].checkerMessage).toBe("the jury's answer does not add up");
    expect(job.tests[3].checkerMessage).toBe('ok 0 + 16 = 16');
    await eventually(() => containersOfJob(job.id), (left) => left.length === 0, 30_000, 'no sandbox of the job left');
  });

  it('a checker that does not compile is CHECKER_ERROR with the compiler’s output, the program never run', async () => {
    const broken = { ...checker, files: [{ name: 'checker.cpp', content: 'int main() { return missing; }' }] };
    const job = await execute({ language: 'python', code: 'print(0, 5)', tests: sumTests(5), checker: broken });
    expect(job).toMatchObject({ state: 'COMPLETED', verdict: 'CHECKER_ERROR', error: 'the checker did not compile: see checkerCompile' });
    expect(job.checkerCompile).toMatchObject({ verdict: 'COMPILE_ERROR', stderr: expect.stringContaining('missing’ was not declared in this scope') });
    expect(verdicts(job)).toEqual([null]);
  });

  it('compares tokens and floats in real runs (the README’s example)', async () => {
    const job = await execute({
      language: 'python',
      code: "import math\nprint(math.pi, 'YES')",
      comparison: 'float',
      absoluteError: 1e-4,
      tests: [
        { expected: '3.1416 YES' },
        { expected: '3.14159265358 YES', comparison: 'float', relativeError: 1e-9 },
        { expected: '3.141592653589793\nYES', comparison: 'tokens' },
        { expected: '3.14159265 YES', comparison: 'float', relativeError: 1e-9 },
        { expected: '3.141592653589793 YES', comparison: 'trimmed' },
        { expected: '3.14159265358979 YES', comparison: 'tokens' },
      ],
    });
    expect(verdicts(job)).toEqual(['OK', 'OK', 'OK', 'WRONG_ANSWER', 'OK', 'WRONG_ANSWER']);
  });
});
