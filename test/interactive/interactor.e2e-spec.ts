import { Harness, startKiln } from '../support/kiln-harness';
import { containersOfJob } from '../support/sandboxes';
import { eventually } from '../support/waiting';

/** The guessing game's interactor: the secret is its input's first line; at most 20 questions ("? x" → "<", ">" or "="), then "! x". */
const INTERACTOR = [
  'import sys',
  'secret = int(sys.stdin.readline())',
  'asked = 0',
  'for line in sys.stdin:',
  '    kind, value = line.split()',
  '    if kind == "!":',
  '        if int(value) == secret: sys.exit(0)',
  '        print(f"wrong guess {value}", file=sys.stderr); sys.exit(1)',
  '    asked += 1',
  '    if asked > 20:',
  '        print(f"too many questions ({asked})", file=sys.stderr); sys.exit(1)',
  '    guess = int(value)',
  '    print("=" if guess == secret else ("<" if secret < guess else ">"), flush=True)',
  'print("no answer", file=sys.stderr); sys.exit(2)',
].join('\n');

/** The same game as judges write it, in C++: the secret first, then the questions, on one stdin. */
const CPP_INTERACTOR = [
  '#include <cstdio>',
  'int main() {',
  '  long long secret, value; char kind[8]; int asked = 0;',
  '  if (scanf("%lld", &secret) != 1) return 3;',
  '  while (scanf("%7s %lld", kind, &value) == 2) {',
  '    if (kind[0] == \'!\') {',
  '      if (value == secret) { fprintf(stderr, "guessed %lld in %d questions\\n", value, asked); return 0; }',
  '      fprintf(stderr, "wrong guess %lld\\n", value); return 1;',
  '    }',
  '    if (++asked > 20) { fprintf(stderr, "too many questions (%d)\\n", asked); return 1; }',
  '    printf("%s\\n", value == secret ? "=" : (secret < value ? "<" : ">"));',
  '    fflush(stdout);',
  '  }',
  '  fprintf(stderr, "no answer\\n"); return 2;',
  '}',
].join('\n');

/**
 * The game as testlib's registerInteraction(argc, argv) plays it, without
 * testlib.h: run as `interactor <input-file> <output-file>`, it reads the
 * secret from the input file, writes its log to the output file (for a later
 * checker), reads the program's questions on stdin, answers on stdout, and
 * ends by testlib's exit codes (no file to read: testlib's FAIL, 3).
 */
const TESTLIB_INTERACTOR = [
  '#include <cstdio>',
  'int main(int argc, char *argv[]) {',
  '  if (argc < 3) { fprintf(stderr, "FAIL run me as: interactor <input-file> <output-file>\\n"); return 3; }',
  '  FILE *inf = fopen(argv[1], "r"), *tout = fopen(argv[2], "w");',
  '  long long secret, value; char kind[8]; int asked = 0;',
  '  if (!inf || !tout || fscanf(inf, "%lld", &secret) != 1) { fprintf(stderr, "FAIL cannot read %s\\n", argv[1]); return 3; }',
  '  while (scanf("%7s %lld", kind, &value) == 2) {',
  '    if (kind[0] == \'!\') {',
  '      fprintf(tout, "%d\\n", asked);',
  '      if (fclose(tout) != 0) { fprintf(stderr, "FAIL cannot write %s\\n", argv[2]); return 3; }',
  '      if (value == secret) { fprintf(stderr, "ok guessed %lld in %d questions\\n", value, asked); return 0; }',
  '      fprintf(stderr, "wrong answer guessed %lld, the secret is %lld\\n", value, secret); return 1;',
  '    }',
  '    if (++asked > 20) { fprintf(stderr, "wrong answer too many questions\\n"); return 1; }',
  '    printf("%s\\n", value == secret ? "=" : (secret < value ? "<" : ">"));',
  '    fflush(stdout);',
  '  }',
  '  fprintf(stderr, "wrong answer no guess\\n"); return 2;',
  '}',
].join('\n');

const BINARY_SEARCH = [
  'lo, hi = 1, 10**6',
  'while True:',
  '    mid = (lo + hi) // 2',
  '    print("?", mid, flush=True)',
  '    answer = input()',
  '    if answer == "=": break',
  '    if answer == "<": hi = mid - 1',
  '    else: lo = mid + 1',
  'print("!", mid, flush=True)',
].join('\n');

const LINEAR_SEARCH = [
  'x = 1',
  'while True:',
  '    print("?", x, flush=True)',
  '    if input() == "=": break',
  '    x += 1',
  'print("!", x, flush=True)',
].join('\n');

/**
 * Issue 17, acceptance 6: an interactive problem. The program and its
 * interactor each run in a sandbox of their own; the worker relays each
 * one's stdout to the other's stdin; the interactor's exit code decides.
 */
describe('interactors: the guessing game (Docker)', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ env: { KILN_WORKER__CONCURRENCY: '2' } });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  const game = (code: string, limits: Record<string, number> = {}) => ({
    language: 'python',
    code,
    stdin: '777777\n',
    interactor: { language: 'python', code: INTERACTOR },
    limits: { timeoutMs: 5000, ...limits },
  });

  it('accepts a binary search (at most 20 questions)', async () => {
    const answer = await kiln.http().post('/execute').send(game(BINARY_SEARCH));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { verdict: 'OK', exitCode: 0 } });
    expect(answer.body.run.stdout).toMatch(/^\? 500000\n/);
    expect(answer.body.run.stdout.trim().split('\n').length).toBeLessThanOrEqual(21);
    expect(answer.body.run.stdout).toMatch(/! 777777\n$/);
  });

  it('rejects a solution that asks 30 questions (or more): WRONG_ANSWER, the interactor decides', async () => {
    const answer = await kiln.http().post('/execute').send(game(LINEAR_SEARCH));
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'WRONG_ANSWER' });
    expect(answer.body.run.stdout.split('\n').filter((line: string) => line.startsWith('?')).length).toBe(21);
  });

  it('a solution that never answers ends at its time limit', async () => {
    const started = Date.now();
    const answer = await kiln.http().post('/execute').send(game('import time\ntime.sleep(60)', { timeoutMs: 2000 }));
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('says what the interactor said: its stderr is the run\'s checkerMessage', async () => {
    const answer = await kiln.http().post('/execute').send(game(LINEAR_SEARCH));
    expect(answer.body.run).toMatchObject({ verdict: 'WRONG_ANSWER', checkerMessage: 'too many questions (21)' });
  });

  it('a C++ interactor, compiled once for the job, accepts a correct solution', async () => {
    const answer = await kiln.http().post('/execute').send({ ...game(BINARY_SEARCH), interactor: { language: 'cpp', code: CPP_INTERACTOR } });
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', interactorCompile: { verdict: 'OK' } });
    expect(answer.body.run).toMatchObject({ verdict: 'OK', checkerMessage: expect.stringMatching(/^guessed 777777 in \d+ questions$/) });
    expect(answer.body.tasks.map((task: { id: string }) => task.id)).toEqual(['interactor-compile', 'run', 'cleanup']);
    const wrong = await kiln.http().post('/execute').send({ ...game(LINEAR_SEARCH), interactor: { language: 'cpp', code: CPP_INTERACTOR } });
    expect(wrong.body).toMatchObject({ verdict: 'WRONG_ANSWER', interactorCompile: { verdict: 'OK' }, run: { checkerMessage: 'too many questions (21)' } });
  });

  it('a testlib interactor (input "file") reads the run\'s or each test\'s input from input.txt, the program\'s output alone on its stdin', async () => {
    const testlib = { language: 'cpp', code: TESTLIB_INTERACTOR, input: 'file' };
    const { stdin: _stdin, ...withoutStdin } = game(BINARY_SEARCH);
    const [run, tests, wrong] = await Promise.all([
      kiln.http().post('/execute').send({ ...game(BINARY_SEARCH), interactor: testlib }),
      kiln.http().post('/execute').send({ ...withoutStdin, interactor: testlib, tests: [{ stdin: '1\n' }, { stdin: '1000000\n' }] }),
      kiln.http().post('/execute').send({ ...withoutStdin, code: 'print("! 1")', interactor: testlib, tests: [{ stdin: '1\n' }, { stdin: '5\n' }] }),
    ]);
    expect(run.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', interactorCompile: { verdict: 'OK' } });
    expect(run.body.run).toMatchObject({ verdict: 'OK', checkerMessage: expect.stringMatching(/^ok guessed 777777 in \d+ questions$/) });
    expect(tests.body).toMatchObject({ verdict: 'OK', tests: [{ verdict: 'OK', checkerMessage: expect.stringMatching(/^ok guessed 1 in/) }, { verdict: 'OK' }] });
    expect(wrong.body).toMatchObject({
      verdict: 'WRONG_ANSWER',
      tests: [
        { verdict: 'OK', checkerMessage: 'ok guessed 1 in 0 questions' },
        { verdict: 'WRONG_ANSWER', checkerMessage: 'wrong answer guessed 1, the secret is 5' },
      ],
    });
  });

  it('the same testlib interactor without input "file" gets no file: CHECKER_ERROR (its FAIL), never the contestant\'s verdict', async () => {
    const answer = await kiln.http().post('/execute').send({ ...game(BINARY_SEARCH), interactor: { language: 'cpp', code: TESTLIB_INTERACTOR } });
    expect(answer.body).toMatchObject({
      state: 'COMPLETED',
      verdict: 'CHECKER_ERROR',
      run: { verdict: 'CHECKER_ERROR', checkerMessage: 'FAIL run me as: interactor <input-file> <output-file>', checkerError: 'the interactor failed (exit code 3, testlib’s FAIL)' },
    });
  });

  it('an interactor that does not compile is the interactor\'s failure, never the contestant\'s COMPILE_ERROR', async () => {
    const answer = await kiln.http().post('/execute').send({ ...game(BINARY_SEARCH), interactor: { language: 'cpp', code: 'int main( {' } });
    expect(answer.body).toMatchObject({
      state: 'COMPLETED',
      verdict: 'CHECKER_ERROR',
      error: 'the interactor did not compile: see interactorCompile',
      interactorCompile: { verdict: 'COMPILE_ERROR' },
    });
    expect(answer.body.interactorCompile.stderr).toMatch(/error/);
  });

  it('judges each test with the interactor: the test\'s stdin is its input, one verdict per test', async () => {
    const { stdin: _stdin, ...request } = game(LINEAR_SEARCH);
    const answer = await kiln.http().post('/execute').send({ ...request, tests: [{ stdin: '3\n' }, { stdin: '500\n' }, { stdin: '20\n' }] });
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'WRONG_ANSWER' });
    expect(answer.body.tests).toMatchObject([
      { index: 0, verdict: 'OK', stdout: '? 1\n? 2\n? 3\n! 3\n' },
      { index: 1, verdict: 'WRONG_ANSWER', checkerMessage: 'too many questions (21)' },
      { index: 2, verdict: 'OK' },
    ]);
    const solved = await kiln.http().post('/execute').send({ ...game(BINARY_SEARCH), stdin: undefined, tests: [{ stdin: '1\n' }, { stdin: '1000000\n' }] });
    expect(solved.body).toMatchObject({ verdict: 'OK', tests: [{ verdict: 'OK' }, { verdict: 'OK' }] });
  });

  it('a program that floods the interactor ends OUTPUT_LIMIT within the job\'s output budget', async () => {
    const flood = 'import sys\nwhile True:\n    sys.stdout.write("? 1" * 4096)';
    const answer = await kiln.http().post('/execute').send({ ...game(flood), limits: { timeoutMs: 5000, outputBytes: 65536 } });
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'OUTPUT_LIMIT', run: { verdict: 'OUTPUT_LIMIT', truncated: true } });
    expect(answer.body.run.stdout.length).toBeLessThanOrEqual(65536);
  });

  const interactorFailure = async (interactor: string, limits: Record<string, number> = {}) => {
    const answer = await kiln.http().post('/execute').send({ ...game(BINARY_SEARCH), interactor: { language: 'python', code: interactor, limits } });
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'CHECKER_ERROR', run: { verdict: 'CHECKER_ERROR' } });
    expect(answer.body.error).toBe(answer.body.run.checkerError);
    await eventually(() => containersOfJob(answer.body.id), (left) => left.length === 0, 30_000, 'no sandbox of the job left');
    return answer.body;
  };

  it('an interactor that crashes is CHECKER_ERROR with the reason, never the contestant\'s WRONG_ANSWER', async () => {
    const job = await interactorFailure('import os, sys\nsys.stdin.readline()\nos.kill(os.getpid(), 11)');
    expect(job.run.checkerError).toBe('the interactor was killed by SIGSEGV');
  });

  it('an interactor that never answers is CHECKER_ERROR (its own time limit), not the waiting program\'s TIMEOUT', async () => {
    const job = await interactorFailure('import time\ntime.sleep(60)', { timeoutMs: 1000 });
    expect(job.run.checkerError).toBe('the interactor did not finish within its time limit (interactor.limits.timeoutMs)');
  });

  it('an interactor that floods the program is CHECKER_ERROR (its own output limit)', async () => {
    const job = await interactorFailure('import sys\nwhile True:\n    sys.stdout.write("<\\n" * 4096)', { outputBytes: 65536 });
    expect(job.run.checkerError).toBe('the interactor wrote more than its output limit (interactor.limits.outputBytes)');
  });

  it('refuses an interactor beside a checker, expected answers, a comparison or output files, naming the field', async () => {
    const { stdin: _stdin, ...withoutStdin } = game(BINARY_SEARCH);
    const checker = { language: 'python', code: 'print(1)' };
    const refused = await kiln.http().post('/jobs').send({ ...withoutStdin, tests: [{ stdin: '5', expected: '5' }], checker, comparison: 'tokens' });
    expect(refused.status).toBe(400);
    expect(refused.body.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'interactor' }),
        expect.objectContaining({ field: 'tests[0].expected' }),
      ]),
    );
    const compared = await kiln.http().post('/jobs').send({ ...withoutStdin, tests: [{ stdin: '5' }], comparison: 'tokens' });
    expect(compared.status).toBe(400);
    expect(compared.body.details).toEqual([expect.objectContaining({ field: 'comparison' })]);
    const files = await kiln.http().post('/jobs').send({ ...game(BINARY_SEARCH), outputFiles: ['*.txt'] });
    expect(files.status).toBe(400);
    expect(files.body.details).toEqual([expect.objectContaining({ field: 'outputFiles' })]);
    const limits = await kiln.http().post('/jobs').send({ ...game(BINARY_SEARCH), interactor: { language: 'python', code: INTERACTOR, limits: { timeoutMs: 10 ** 9 } } });
    expect(limits.status).toBe(400);
    expect(limits.body.details).toEqual([expect.objectContaining({ field: 'interactor.limits.timeoutMs' })]);
  });
});
