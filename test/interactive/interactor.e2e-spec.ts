import { Harness, startKiln } from '../support/kiln-harness';

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

  it('refuses a compiled interactor, and an interactor with tests, naming the field', async () => {
    const compiled = await kiln.http().post('/jobs').send({ ...game(BINARY_SEARCH), interactor: { language: 'c', code: 'int main(){}' } });
    expect(compiled.status).toBe(400);
    expect(compiled.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'interactor.language' })]));
    const { stdin: _stdin, ...withoutStdin } = game(BINARY_SEARCH);
    const tests = await kiln.http().post('/jobs').send({ ...withoutStdin, tests: [{ stdin: '5' }] });
    expect(tests.status).toBe(400);
    expect(tests.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'interactor' })]));
  });
});
