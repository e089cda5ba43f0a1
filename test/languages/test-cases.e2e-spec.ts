import { INestApplicationContext } from '@nestjs/common';
import { loadConfig } from '@kiln/config';
import { bootstrapWorker } from '../../apps/worker/src/worker.bootstrap';
import { Harness, startKiln } from '../support/kiln-harness';
import { eventually } from '../support/waiting';

interface TaskView {
  id: string;
  kind: string;
  state: string;
  workerId: string | null;
}

/** Adds a + b, except when a ends in 7 (a wrong answer) or is 20 (an endless loop). */
const SUM = `#include <stdio.h>
int main(void) {
  int a, b;
  if (scanf("%d %d", &a, &b) != 2) return 2;
  if (a == 20) for (;;) {}
  printf("%d\\n", a % 10 == 7 ? a - b : a + b);
  return 0;
}`;

const sumTests = (count: number) => Array.from({ length: count }, (_, a) => ({ stdin: `${a} ${a + 1}\n`, expected: `${2 * a + 1}` }));

/** Issue 5, acceptance 3: test cases, compiled once, fanned out to several workers, judged per test. */
describe('test cases', () => {
  let kiln: Harness;
  let secondWorker: INestApplicationContext;

  beforeAll(async () => {
    kiln = await startKiln({ env: { KILN_WORKER__CONCURRENCY: '1', KILN_JOBS__TEST_BATCH_SIZE: '3', KILN_JOBS__MAX_TESTS: '40' } });
    secondWorker = await bootstrapWorker(loadConfig({ ...process.env, ...kiln.env, KILN_WORKER__ID: `${kiln.prefix}-second` }));
  });

  afterAll(async () => {
    await secondWorker?.close();
    await kiln?.close();
  });

  const execute = (body: object) => kiln.http().post('/execute').send(body);

  it('compiles a C submission with 30 tests once, runs the batches on both workers, and judges every test', async () => {
    const response = await execute({ language: 'c', code: SUM, tests: sumTests(30), limits: { timeoutMs: 1000 } });
    expect(response.status).toBe(200);
    const tasks: TaskView[] = response.body.tasks;
    expect(tasks.filter((task) => task.kind === 'compile')).toEqual([expect.objectContaining({ id: 'compile', state: 'COMPLETED' })]);
    const runs = tasks.filter((task) => task.kind === 'run');
    expect(runs.map((task) => task.id)).toEqual(Array.from({ length: 10 }, (_, n) => `run-${n + 1}`));
    expect(runs.every((task) => task.state === 'COMPLETED')).toBe(true);
    expect(new Set(runs.map((task) => task.workerId))).toEqual(new Set([`${kiln.prefix}-worker`, `${kiln.prefix}-second`]));

    const verdicts = response.body.tests.map((test: { verdict: string }) => test.verdict);
    const expected = Array.from({ length: 30 }, (_, a) => (a === 20 ? 'TIMEOUT' : a % 10 === 7 ? 'WRONG_ANSWER' : 'OK'));
    expect(verdicts).toEqual(expected);
    expect(response.body.verdict).toBe('WRONG_ANSWER');
    expect(response.body.run).toBeNull();
    expect(response.body.tests[7]).toMatchObject({ index: 7, stdout: '-1\n', exitCode: 0, verdict: 'WRONG_ANSWER' });
    expect(response.body.tests[3]).toMatchObject({ index: 3, stdout: '7\n', stderr: '', exitCode: 0, signal: null, truncated: false });
    for (const key of ['wallTimeMs', 'cpuTimeMs', 'memoryBytes']) expect(response.body.tests[3][key]).toEqual(expect.any(Number));
  });

  it('takes the verdict of the first failing test, by index', async () => {
    const tests = [{ stdin: '1 1', expected: '2' }, { stdin: '20 1', expected: '21' }, { stdin: '7 1', expected: '8' }];
    const response = await execute({ language: 'c', code: SUM, tests, limits: { timeoutMs: 500 } });
    expect(response.body.tests.map((test: { verdict: string }) => test.verdict)).toEqual(['OK', 'TIMEOUT', 'WRONG_ANSWER']);
    expect(response.body.verdict).toBe('TIMEOUT');
  });

  it('is OK only when every test passes; an interpreted language runs from its sources, without a compile task', async () => {
    const response = await execute({
      language: 'python',
      code: 'a, b = map(int, input().split())\nprint(a + b)',
      tests: sumTests(5),
    });
    expect(response.body.verdict).toBe('OK');
    expect(response.body.tests).toHaveLength(5);
    expect(response.body.tasks.map((task: TaskView) => task.id)).toEqual(['run-1', 'run-2', 'cleanup']);
  });

  it('ignores trailing whitespace and newlines by default; comparison "exact" compares every byte', async () => {
    const body = { language: 'bash', code: 'printf "%s  \\n\\n" "$(cat)"', tests: [{ stdin: 'x', expected: 'x' }] };
    expect((await execute(body)).body.verdict).toBe('OK');
    expect((await execute({ ...body, comparison: 'exact' })).body.verdict).toBe('WRONG_ANSWER');
    expect((await execute({ ...body, comparison: 'exact', tests: [{ stdin: 'x', expected: 'x  \n\n' }] })).body.verdict).toBe('OK');
  });

  it('passes a test without `expected` on a clean exit', async () => {
    const response = await execute({ language: 'bash', code: 'cat', tests: [{ stdin: 'anything' }] });
    expect(response.body).toMatchObject({ verdict: 'OK', tests: [{ verdict: 'OK', stdout: 'anything' }] });
  });

  it('stopOnFirstFailure: the tests after the first failure do not run', async () => {
    const tests = [{ stdin: '1 1', expected: '2' }, { stdin: '7 1', expected: '8' }, { stdin: '2 2', expected: '4' }];
    const response = await execute({ language: 'c', code: SUM, tests, stopOnFirstFailure: true });
    expect(response.body.verdict).toBe('WRONG_ANSWER');
    expect(response.body.tests).toEqual([
      expect.objectContaining({ index: 0, verdict: 'OK' }),
      expect.objectContaining({ index: 1, verdict: 'WRONG_ANSWER' }),
      { index: 2, verdict: null },
    ]);
  });

  it('a job decided while a batch still runs gets its cleanup task; one decided by reports alone needs none', async () => {
    // Batches of 3: test 0 fails at once in run-1, which decides the job while run-2 (test 3) still sleeps.
    const code = 'read a; if [ "$a" = 3 ]; then sleep 5; fi; echo "$a"';
    const tests = ['0', '1', '2', '3'].map((stdin) => ({ stdin, expected: stdin === '0' ? 'not 0' : stdin }));
    const decided = await execute({ language: 'bash', code, tests, stopOnFirstFailure: true, limits: { timeoutMs: 10_000 } });
    expect(decided.body.verdict).toBe('WRONG_ANSWER');
    const cleanup = await eventually(
      async () => (await kiln.http().get(`/jobs/${decided.body.id}`)).body.tasks.find((task: TaskView) => task.id === 'cleanup'),
      (task) => task.state === 'COMPLETED',
    );
    expect(cleanup.state).toBe('COMPLETED');

    const plain = await execute({ language: 'bash', code: 'read a; echo "$a"', tests: [{ stdin: '1', expected: '1' }] });
    expect(plain.body.verdict).toBe('OK');
    expect(plain.body.tasks.find((task: TaskView) => task.id === 'cleanup')).toMatchObject({ state: 'SKIPPED', workerId: null });
  });

  it('keeps files a test writes for the later tests of its batch, never for other batches', async () => {
    const code = 'if [ -e seen ]; then echo again; else touch seen; echo first; fi';
    const fourTests = Array.from({ length: 4 }, () => ({ stdin: '' }));
    const response = await execute({ language: 'bash', code, tests: fourTests });
    // Batches of 3: tests 0-2 share a workspace, test 3 has its own.
    expect(response.body.tests.map((test: { stdout: string }) => test.stdout)).toEqual(['first\n', 'again\n', 'again\n', 'first\n']);
  });

  it.each([
    ['more tests than jobs.maxTests', { tests: sumTests(41) }, 'tests'],
    ['a job-wide stdin beside tests', { tests: sumTests(2), stdin: '1 2' }, 'stdin'],
    ['a stdin that is not base64', { tests: [{ stdin: 'not base64!', encoding: 'base64' }] }, 'tests[0].stdin'],
    ['an expected output that is not base64', { tests: [{ stdin: 'MQ==', expected: '%%', encoding: 'base64' }] }, 'tests[0].expected'],
    ['a stdin that is not a string', { tests: [{ stdin: 1 }] }, 'tests[0].stdin'],
    ['an unknown comparison', { tests: sumTests(1), comparison: 'fuzzy' }, 'comparison'],
    ['a stopOnFirstFailure that is not a boolean', { tests: sumTests(1), stopOnFirstFailure: 'yes' }, 'stopOnFirstFailure'],
  ])('refuses %s with 400 naming the field', async (_case, extra, field) => {
    const response = await execute({ language: 'c', code: SUM, ...extra });
    expect(response.status).toBe(400);
    expect(response.body.details.map((detail: { field: string }) => detail.field)).toContain(field);
  });
});
