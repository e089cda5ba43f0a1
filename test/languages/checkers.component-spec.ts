import type { ScriptedExit, ScriptedRun } from '../../apps/worker/src/sandbox/scripted/scripted-sandbox';
import { ScriptedSandboxRuntime } from '../../apps/worker/src/sandbox/scripted/scripted-sandbox.runtime';
import { Harness, startKiln } from '../support/kiln-harness';
import { ARGLESS_ENTRY, TestLanguageTable, languagesWith } from '../support/language-table';
import { script, scriptedProgram } from '../support/scripted-programs';

/**
 * The checkers of this suite, by their source's first line: functions that
 * read the three files a checker is given (testlib's order: input, output,
 * answer) and end as a testlib checker would. `sum` judges "print two
 * integers whose sum is N", a problem with many right answers.
 */
const CHECKERS: Record<string, (run: ScriptedRun, files: string[]) => ScriptedExit | Promise<ScriptedExit>> = {
  sum: (run, [input, output]) => {
    const n = Number(text(run, input));
    const numbers = text(run, output).trim().split(/\s+/).map(Number);
    if (numbers.length !== 2 || !numbers.every(Number.isInteger)) return { exitCode: 2, stderr: 'wrong output format two integers expected\n' };
    const [a, b] = numbers;
    return a + b === n ? { exitCode: 0, stderr: `ok ${a} + ${b} = ${n}\n` } : { exitCode: 1, stderr: `wrong answer ${a} + ${b} is not ${n}\n` };
  },
  // Whether the program's sandbox of its task is still lent while the checker runs (it must not be).
  alone: (run) => {
    const task = run.sandbox.owner.part.replace(/-checker$/, '');
    const program = runtime.sandboxesOf(run.sandbox.owner.id).filter((sandbox) => sandbox.owner.part === task);
    return program.length > 0 && program.every((sandbox) => sandbox.state === 'removed') ? { stderr: 'ok alone' } : { exitCode: 3, stderr: 'FAIL beside the program' };
  },
  crash: () => ({ signal: 11, stderr: 'segmentation fault ahead\n' }),
  'sum-crashing-on-2': (run, files) => (text(run, files[0]).trim() === '2' ? { signal: 11 } : CHECKERS.sum(run, files)),
  sleep: async (run) => {
    await run.sleep(60_000);
    return {};
  },
  fail: () => ({ exitCode: 3, stderr: 'FAIL the answer file is empty\n' }),
  points: () => ({ exitCode: 7, stderr: 'points 0.5 half the pairs\n' }),
  odd: () => ({ exitCode: 42 }),
  memory: () => ({ memoryBytes: 2 ** 40 }),
};

const text = (run: ScriptedRun, name: string) => run.files.get(name)?.content.toString('utf8') ?? `(no file ${name})`;

/** A checker's run: its behaviour from its source (the first workspace file its argv names), its files from the rest. */
function runChecker(run: ScriptedRun): ScriptedExit | Promise<ScriptedExit> {
  const sourceAt = run.exec.argv.findIndex((arg) => run.files.has(arg.replace(/^\.\//, '')));
  const source = text(run, run.exec.argv[sourceAt].replace(/^\.\//, '')).split('\n')[0].trim();
  const checker = CHECKERS[source];
  if (!checker) return { exitCode: 99, stderr: `no checker "${source}" in this suite\n` };
  return checker(run, run.exec.argv.slice(sourceAt + 1));
}

const isCheckerRun = (run: ScriptedRun) => run.sandbox.owner.part.endsWith('-checker');

/** Scripted programs (test/support/scripted-programs.ts) that print a right answer for N = 5, neither the jury's "0 5". */
const ONE_FOUR = script('out 1 4');
const TWO_THREE = script('out 2 3');
const sumTests = [
  { stdin: '5', expected: '0 5' },
  { stdin: '5\n', expected: '5 0' },
];

/**
 * Issue 17: custom checkers and comparison modes through the real
 * coordinator, task queues and Redis, the sandboxes scripted (no Docker).
 * What the checker's sandbox itself enforces is the system tier's
 * (checkers.e2e-spec.ts).
 */
/** The first suite's runtime (the `alone` checker looks at its sandboxes). */
let runtime: ScriptedSandboxRuntime;

describe('custom checkers (scripted sandboxes)', () => {
  let kiln: Harness;
  let languages: TestLanguageTable;

  beforeAll(async () => {
    // A language whose run step takes no arguments: it cannot be a checker.
    languages = languagesWith(ARGLESS_ENTRY);
    runtime = new ScriptedSandboxRuntime((run) => (isCheckerRun(run) ? runChecker(run) : scriptedProgram(run)));
    kiln = await startKiln({ runtime, env: { KILN_LANGUAGES: languages.file, KILN_JOBS__TEST_BATCH_SIZE: '2', KILN_JOBS__MAX_TESTS: '10' } });
  });

  afterAll(async () => {
    await kiln?.close();
    languages?.remove();
  });

  const execute = (body: object) => kiln.http().post('/execute').send(body);
  const checkerSandboxes = (jobId: string) => runtime.sandboxesOf(jobId).filter((sandbox) => sandbox.owner.part.endsWith('-checker'));

  /** The sum problem in bash, judged by the `sum` checker in python; tests and checker fields may be replaced. */
  const sumJob = (checker: object = {}, extra: object = {}) => ({
    language: 'bash',
    code: ONE_FOUR,
    tests: sumTests,
    checker: { language: 'python', code: 'sum', ...checker },
    ...extra,
  });

  it('accepts any right answer, not only the jury’s, and carries the checker’s message per test', async () => {
    const other = await execute(sumJob({}, { code: TWO_THREE }));
    expect(other.body).toMatchObject({ verdict: 'OK', tests: [{ stdout: '2 3\n', checkerMessage: 'ok 2 + 3 = 5' }, { verdict: 'OK' }] });
    const answer = await execute(sumJob({}, { tests: [{ stdin: '5', expected: '0 5' }, { stdin: '6', expected: '3 3' }] }));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'WRONG_ANSWER', checkerCompile: null });
    expect(answer.body.tests).toEqual([
      expect.objectContaining({ index: 0, verdict: 'OK', stdout: '1 4\n', checkerMessage: 'ok 1 + 4 = 5' }),
      expect.objectContaining({ index: 1, verdict: 'WRONG_ANSWER', stdout: '1 4\n', checkerMessage: 'wrong answer 1 + 4 is not 6' }),
    ]);
    expect(answer.body.error).toBeUndefined();
  });

  it('runs the checker in a sandbox of its own with testlib’s arguments: input, output, answer', async () => {
    const limits = { timeoutMs: 1500, memoryMb: 96, cpus: 0.5, processes: 8, outputBytes: 2048 };
    const answer = await execute(sumJob({ limits }));
    expect(answer.body).toMatchObject({ verdict: 'OK', tests: [{ verdict: 'OK' }, { verdict: 'OK' }] });
    const [checker, ...others] = checkerSandboxes(answer.body.id);
    expect(others).toEqual([]);
    // Another lease of the same job (killed with it), never the program's sandbox, under the checker's own limits.
    expect(checker).toMatchObject({ owner: { id: answer.body.id, part: 'run-1-checker' }, image: 'kiln/python:latest', limits: { memoryMb: 96, cpus: 0.5, processes: 8 } });
    expect(checker.runs.map((run) => run.exec.argv)).toEqual([
      ['python3', 'main.py', 'kiln-check/0/input', 'kiln-check/0/output', 'kiln-check/0/answer'],
      ['python3', 'main.py', 'kiln-check/1/input', 'kiln-check/1/output', 'kiln-check/1/answer'],
    ]);
    expect(checker.runs[0].exec).toMatchObject({ timeoutMs: 1500, outputBytes: 2048 });
    expect(checker.runs[0].stdin.length).toBe(0);
    const file = (name: string) => checker.files.get(name)?.content.toString();
    expect([file('kiln-check/0/input'), file('kiln-check/0/output'), file('kiln-check/0/answer')]).toEqual(['5', '1 4\n', '0 5']);
    expect([file('kiln-check/1/input'), file('kiln-check/1/output'), file('kiln-check/1/answer')]).toEqual(['5\n', '1 4\n', '5 0']);
    // The program's sandbox never saw the checker nor the expected answers.
    const [program] = runtime.sandboxesOf(answer.body.id).filter((sandbox) => sandbox.owner.part === 'run-1');
    expect([...program.files.keys()]).toEqual(['main.sh']);
  });

  it('compiles a compiled checker once, in its own compile task, and runs that artifact for every batch', async () => {
    const tests = [...sumTests, { stdin: '5', expected: '2 3' }];
    const answer = await execute(sumJob({ language: 'cpp', code: 'sum' }, { tests }));
    expect(answer.body).toMatchObject({ verdict: 'OK', checkerCompile: { verdict: 'OK' }, tests: [{ verdict: 'OK' }, { verdict: 'OK' }, { verdict: 'OK' }] });
    expect(answer.body.tasks.map((task: { id: string }) => task.id)).toEqual(['checker-compile', 'run-1', 'run-2', 'cleanup']);
    const parts = runtime.sandboxesOf(answer.body.id).map((sandbox) => `${sandbox.owner.part} ${sandbox.image}`);
    expect(parts.filter((part) => part.startsWith('checker-compile'))).toEqual(['checker-compile kiln/gcc:latest']);
    for (const checker of checkerSandboxes(answer.body.id)) {
      expect(checker.runs.every((run) => run.exec.argv[0] === './main')).toBe(true);
      expect(checker.files.get('main')?.content.toString()).toBe('sum');
    }
    expect(checkerSandboxes(answer.body.id).map((sandbox) => sandbox.owner.part)).toEqual(['run-1-checker', 'run-2-checker']);
  });

  it.each([
    ['crashes (a signal)', 'crash', 'the checker was killed by SIGSEGV', 'segmentation fault ahead'],
    ['runs out of time', 'sleep', 'the checker did not finish within its time limit (checker.limits.timeoutMs)', ''],
    ['runs out of memory', 'memory', 'the checker ran out of memory (checker.limits.memoryMb)', ''],
    ['says FAIL (exit code 3)', 'fail', 'the checker failed (exit code 3, testlib’s FAIL)', 'FAIL the answer file is empty'],
    ['exits with a code outside testlib’s convention', 'odd', 'the checker exited with 42, which testlib’s convention does not define (0 ok, 1 wrong answer, 2 presentation error, 3 fail, 7 points)', ''],
  ])('a checker that %s is CHECKER_ERROR with the reason, the job COMPLETED, never WRONG_ANSWER', async (_case, code, reason, message) => {
    const answer = await execute(sumJob({ code, limits: { timeoutMs: 300 } }, { tests: [sumTests[0]] }));
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'CHECKER_ERROR', error: `test 0: ${reason}` });
    expect(answer.body.tests).toEqual([expect.objectContaining({ index: 0, verdict: 'CHECKER_ERROR', checkerError: reason, checkerMessage: message, stdout: '1 4\n' })]);
  });

  it('a checker’s failure on any test decides the job, even after a wrong answer', async () => {
    const wrong = await execute(sumJob({}, { code: script('out 1 1'), tests: [{ stdin: '5' }, { stdin: '2' }] }));
    expect(wrong.body).toMatchObject({ verdict: 'WRONG_ANSWER', tests: [{ verdict: 'WRONG_ANSWER' }, { verdict: 'OK' }] });
    // The same, but the checker crashes on the second test: its failure decides.
    const crashing = await execute(sumJob({ code: 'sum-crashing-on-2' }, { code: script('out 1 1'), tests: [{ stdin: '5' }, { stdin: '2' }] }));
    expect(crashing.body).toMatchObject({
      state: 'COMPLETED',
      verdict: 'CHECKER_ERROR',
      error: 'test 1: the checker was killed by SIGSEGV',
      tests: [{ verdict: 'WRONG_ANSWER' }, { verdict: 'CHECKER_ERROR' }],
    });
  });

  it('runs the checker once the program’s sandbox is given back: a task never holds two sandboxes', async () => {
    const answer = await execute(sumJob({ code: 'alone' }));
    expect(answer.body).toMatchObject({ verdict: 'OK' });
    expect(answer.body.tests.map((test: { checkerMessage: string }) => test.checkerMessage)).toEqual(['ok alone', 'ok alone']);
  });

  it('with stopOnFirstFailure reports the batch up to the first test the checker rejects', async () => {
    // One batch of two: the program runs both, the checker rejects the first.
    const answer = await execute(sumJob({}, { tests: [{ stdin: '6' }, { stdin: '5' }], stopOnFirstFailure: true }));
    expect(answer.body).toMatchObject({ verdict: 'WRONG_ANSWER', tests: [{ index: 0, verdict: 'WRONG_ANSWER' }, { index: 1, verdict: null }] });
  });

  it('gives a fresh checker sandbox to the next test after a run that hit a limit', async () => {
    const answer = await execute(sumJob({ code: 'sleep', limits: { timeoutMs: 200 } }));
    expect(answer.body.tests.map((test: { verdict: string }) => test.verdict)).toEqual(['CHECKER_ERROR', 'CHECKER_ERROR']);
    expect(checkerSandboxes(answer.body.id).map((sandbox) => sandbox.runs.length)).toEqual([1, 1]);
  });

  it('maps presentation errors and points: PRESENTATION_ERROR, and OK with checkerPoints', async () => {
    const malformed = await execute(sumJob({}, { code: script('out five'), tests: [sumTests[0]] }));
    expect(malformed.body).toMatchObject({ verdict: 'PRESENTATION_ERROR', tests: [{ verdict: 'PRESENTATION_ERROR', checkerMessage: 'wrong output format two integers expected' }] });
    const points = await execute(sumJob({ code: 'points' }, { tests: [sumTests[0]] }));
    expect(points.body).toMatchObject({ verdict: 'OK', tests: [{ verdict: 'OK', checkerPoints: 0.5, checkerMessage: 'points 0.5 half the pairs' }] });
  });

  it('does not run the checker for a test the program failed on its own (its limit, its crash)', async () => {
    const answer = await execute(sumJob({}, { code: script('sleep 10000'), tests: [sumTests[0]], limits: { timeoutMs: 200 } }));
    expect(answer.body).toMatchObject({ verdict: 'TIMEOUT', tests: [{ verdict: 'TIMEOUT' }] });
    expect(answer.body.tests[0].checkerMessage).toBeUndefined();
    expect(checkerSandboxes(answer.body.id)).toEqual([]);
  });

  it('a checker that does not compile is CHECKER_ERROR once the program compiled; the program’s own compile error comes first', async () => {
    const broken = { language: 'cpp', code: script('sum', 'compile-error checker.cpp:1: expected ;') };
    const answer = await execute({ language: 'c', code: ONE_FOUR, tests: sumTests, checker: broken });
    expect(answer.body).toMatchObject({
      state: 'COMPLETED',
      verdict: 'CHECKER_ERROR',
      error: 'the checker did not compile: see checkerCompile',
      compile: { verdict: 'OK' },
      checkerCompile: { verdict: 'COMPILE_ERROR', stderr: 'checker.cpp:1: expected ;\n' },
      tests: [{ verdict: null }, { verdict: null }],
    });
    const both = await execute({ language: 'c', code: script('compile-error main.c:1: no'), tests: sumTests, checker: broken });
    expect(both.body).toMatchObject({ verdict: 'COMPILE_ERROR', compile: { verdict: 'COMPILE_ERROR' } });
  });

  const big = 'x'.repeat(524_289);
  it.each([
    ['a checker without tests', { tests: undefined }, 'checker', 'a checker judges test cases: give tests'],
    ['an unknown checker language', { checker: { language: 'cobol', code: 'x' } }, 'checker.language', 'unknown language "cobol"; GET /languages lists them'],
    ['a checker language whose run takes no arguments', { checker: { language: 'argless', code: 'x' } }, 'checker.language', 'argless cannot run a checker: its run command takes no arguments'],
    ['a checker without code or files', { checker: { language: 'python' } }, 'checker.code', 'code or files is required'],
    ['a checker that is not an object', { checker: 'sum.py' }, 'checker', 'checker must be an object'],
    ['a checker time limit above the maximum', { checker: { language: 'python', code: 'x', limits: { timeoutMs: 999_999 } } }, 'checker.limits.timeoutMs', 'timeoutMs must not exceed the configured maximum of 30000'],
    ['a checker memory limit below the minimum', { checker: { language: 'python', code: 'x', limits: { memoryMb: 1 } } }, 'checker.limits.memoryMb', 'memoryMb must be at least 16'],
    ['an output budget of the checker’s own', { checker: { language: 'python', code: 'x', limits: { jobOutputBytes: 4096 } } }, 'checker.limits.jobOutputBytes', 'unknown field "jobOutputBytes"'],
    ['a checker file outside the workspace', { checker: { language: 'python', files: [{ name: '../x.py', content: 'x' }] } }, 'checker.files[0].name', expect.stringContaining('relative path')],
    ['a checker file where Kiln puts the test files', { checker: { language: 'python', code: 'x', files: [{ name: 'kiln-check/0/answer', content: '1' }] } }, 'checker.files[0].name', 'kiln-check/ holds the files Kiln gives the checker'],
    ['checker sources above jobs.maxSourceBytes', { checker: { language: 'python', code: big } }, 'checker.files', 'sources total 524289 bytes; at most 524288'],
    ['a comparison beside a checker', { comparison: 'tokens' }, 'comparison', 'does not apply with a checker, which judges the output itself'],
    ['a test’s float bounds beside a checker', { tests: [{ stdin: '5', absoluteError: 0.1 }] }, 'tests[0].absoluteError', 'does not apply with a checker, which judges the output itself'],
    ['an unknown comparison', { checker: undefined, comparison: 'fuzzy' }, 'comparison', expect.stringContaining('comparison must be one of the following values: trimmed, exact, tokens, float')],
    ['a float bound without float', { checker: undefined, comparison: 'tokens', absoluteError: 0.1 }, 'absoluteError', 'applies only to comparison "float"'],
    ['a test’s bound where it is not compared as float', { checker: undefined, comparison: 'float', tests: [{ stdin: '5', comparison: 'exact', relativeError: 0.1 }] }, 'tests[0].relativeError', 'applies only to comparison "float"'],
    ['a negative bound', { checker: undefined, comparison: 'float', absoluteError: -0.1 }, 'absoluteError', 'absoluteError must not be less than 0'],
    ['a bound that is not a number', { checker: undefined, comparison: 'float', relativeError: '1e-6' }, 'relativeError', expect.stringContaining('relativeError must be a number')],
    ['a test’s unknown comparison', { checker: undefined, tests: [{ stdin: '5', comparison: 'close' }] }, 'tests[0].comparison', expect.stringContaining('must be one of the following values')],
    // Found by the request fuzz: an array inside the array slipped past the nested validation and crashed (500).
    ['a list inside the list of files', { files: [[{ name: 'util.sh', content: 'x' }]] }, 'files', 'each file must be an object {name, content, encoding?}'],
    ['a list inside the checker’s files', { checker: { language: 'python', files: [[]] } }, 'checker.files', 'each file must be an object {name, content, encoding?}'],
    ['a list inside the tests', { tests: [[{ stdin: '5' }]] }, 'tests', 'each test must be an object {stdin?, expected?, encoding?}'],
  ])('refuses %s: 400 naming the field, nothing run', async (_case, change, field, message) => {
    const before = runtime.sandboxes.length;
    const answer = await execute({ ...sumJob(), ...change });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid request', details: expect.arrayContaining([{ field, message }]) });
    expect(runtime.sandboxes.length).toBe(before);
  });

  it('takes a job-wide bound where only some tests are compared as float', async () => {
    const answer = await execute({ ...sumJob(), checker: undefined, comparison: 'tokens', absoluteError: 0.5, tests: [{ stdin: '5', expected: '1 4' }, { stdin: '5', expected: '1.4 4', comparison: 'float' }] });
    expect(answer.body).toMatchObject({ verdict: 'OK' });
  });

  it('gives a test without expected output an empty answer file', async () => {
    const answer = await execute(sumJob({}, { tests: [{ stdin: '5' }] }));
    expect(answer.body.verdict).toBe('OK');
    expect(checkerSandboxes(answer.body.id)[0].files.get('kiln-check/0/answer')?.content.length).toBe(0);
  });
});

describe('comparison modes (scripted sandboxes)', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ runtime: new ScriptedSandboxRuntime(scriptedProgram) });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  const verdicts = async (body: object) => {
    const answer = await kiln.http().post('/execute').send({ language: 'python', ...body });
    expect(answer.status).toBe(200);
    return answer.body.tests.map((test: { verdict: string }) => test.verdict);
  };

  it('judges each test by the job’s comparison, or its own', async () => {
    const code = script('out 1e-7   2.5', 'out', 'out yes');
    const tests = [
      { expected: '1e-7 2.5\n\nyes' },
      { expected: '0.0000001 2.5 yes' },
      { expected: '0.0000001 2.5 yes', comparison: 'float' },
      { expected: '0.000002 2.5 yes', comparison: 'float' },
      { expected: '0.000002 2.5 yes', comparison: 'float', absoluteError: 0.000002 },
      { expected: '1e-7   2.5\n\nyes', comparison: 'exact' },
    ];
    expect(await verdicts({ code, tests, comparison: 'tokens' })).toEqual(['OK', 'WRONG_ANSWER', 'OK', 'WRONG_ANSWER', 'OK', 'WRONG_ANSWER']);
  });

  it('applies the job’s float bounds to its float tests; a bound given alone leaves the other at zero', async () => {
    const code = script('out 1.05 100');
    expect(await verdicts({ code, comparison: 'float', absoluteError: 0.05, tests: [{ expected: '1 100' }, { expected: '1 99.9' }] })).toEqual(['OK', 'WRONG_ANSWER']);
    expect(await verdicts({ code, comparison: 'float', relativeError: 0.05, tests: [{ expected: '1 100' }, { expected: '1 95.2' }] })).toEqual(['OK', 'WRONG_ANSWER']);
  });
});
