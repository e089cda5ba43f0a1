import { Queue } from 'bullmq';
import { RedisKeys, taskQueueName } from '@kiln/store';
import { TEST_REDIS_URL } from '../support/environment';
import { Harness, startKiln } from '../support/kiln-harness';
import { containersOfJob } from '../support/sandboxes';
import { eventually } from '../support/waiting';
import { SANDBOX_MODES, modeEnv } from '../support/sandbox-modes';

/** Foundation acceptance 1–3: real programs through /execute, real sandboxes, real verdicts. */
describe.each(SANDBOX_MODES)('POST /execute (standalone, real Docker and Redis) (sandbox mode %s)', (mode) => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ env: modeEnv(mode) });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  const execute = (body: object) => kiln.http().post('/execute').send(body);

  it.each([
    ['python', 'print(input())'],
    ['javascript', "process.stdin.on('data', (d) => process.stdout.write(d.toString().trim() + '\\n'));"],
    ['bash', 'read line; echo "$line"'],
    ['c', '#include <stdio.h>\nint main(void){char s[64]; if(scanf("%63s", s)!=1) return 1; printf("%s\\n", s); return 0;}'],
    ['cpp', '#include <iostream>\n#include <string>\nint main(){std::string s; std::cin >> s; std::cout << s << std::endl;}'],
  ])('%s echoes its stdin', async (language, code) => {
    const response = await execute({ language, code, stdin: 'hi' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      state: 'COMPLETED',
      verdict: 'OK',
      language,
      run: { stdout: 'hi\n', stderr: '', exitCode: 0, signal: null, verdict: 'OK', truncated: false },
    });
    expect(response.body.run.wallTimeMs).toBeGreaterThanOrEqual(0);
    expect(response.body.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('reports a C syntax error as COMPILE_ERROR with gcc’s message, and never runs', async () => {
    const response = await execute({ language: 'c', code: 'int main(void) { return 0 }' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ state: 'COMPLETED', verdict: 'COMPILE_ERROR', run: null });
    expect(response.body.compile.verdict).toBe('COMPILE_ERROR');
    expect(response.body.compile.stderr).toMatch(/main\.c:1:\d+: error: expected .;. before/);
    const run = response.body.tasks.find((t: { id: string }) => t.id === 'run');
    expect(run).toEqual({ id: 'run', kind: 'run', state: 'SKIPPED', workerId: null });
  });

  it('stops an infinite loop at the time limit: TIMEOUT in under 3 s', async () => {
    const started = Date.now();
    const response = await execute({ language: 'python', code: 'while True: pass', limits: { timeoutMs: 1000 } });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(response.body).toMatchObject({ state: 'COMPLETED', verdict: 'TIMEOUT', run: { verdict: 'TIMEOUT', signal: 'SIGKILL' } });
  });

  it('kills a memory bomb: MEMORY_LIMIT', async () => {
    const code = 'chunks = []\nwhile True:\n    chunks.append(bytearray(b"x" * (16 << 20)))';
    const response = await execute({ language: 'python', code, limits: { memoryMb: 64 } });
    expect(response.body).toMatchObject({ state: 'COMPLETED', verdict: 'MEMORY_LIMIT' });
  });

  it('reports a non-zero exit as RUNTIME_ERROR with its code', async () => {
    const response = await execute({ language: 'python', code: 'import sys\nprint("bye")\nsys.exit(3)' });
    expect(response.body).toMatchObject({
      verdict: 'RUNTIME_ERROR',
      run: { stdout: 'bye\n', exitCode: 3, signal: null, verdict: 'RUNTIME_ERROR' },
    });
  });

  it('reports a crash by signal with the signal’s name', async () => {
    const response = await execute({ language: 'c', code: 'int main(void){ volatile int *p = 0; return *p; }' });
    expect(response.body).toMatchObject({ verdict: 'RUNTIME_ERROR', run: { exitCode: null, signal: 'SIGSEGV' } });
  });

  it('caps an output flood: OUTPUT_LIMIT, output no larger than the cap', async () => {
    const response = await execute({ language: 'bash', code: 'yes kiln', limits: { outputBytes: 4096 } });
    expect(response.body).toMatchObject({ verdict: 'OUTPUT_LIMIT', run: { truncated: true } });
    const kept = Buffer.byteLength(response.body.run.stdout) + Buffer.byteLength(response.body.run.stderr);
    expect(kept).toBeLessThanOrEqual(4096);
    expect(kept).toBeGreaterThan(0);
  });

  it('passes args verbatim, without a shell', async () => {
    const response = await execute({ language: 'python', code: 'import sys\nprint(sys.argv[1:])', args: ['$(id)', 'a b'] });
    expect(response.body.run.stdout).toBe("['$(id)', 'a b']\n");
  });

  it('runs multi-file programs with the first file as the entry', async () => {
    const response = await execute({
      language: 'c',
      files: [
        { name: 'main.c', content: '#include "util.h"\n#include <stdio.h>\nint main(void){ printf("%d\\n", twice(21)); return 0; }' },
        { name: 'util.c', content: 'int twice(int x){ return 2 * x; }' },
        { name: 'util.h', content: 'int twice(int x);' },
      ],
    });
    expect(response.body).toMatchObject({ verdict: 'OK', run: { stdout: '42\n' } });
  });

  it('needs no cleanup task for a job its tasks ended: none is queued, and its scratch data is already gone', async () => {
    const response = await execute({ language: 'python', code: 'print(1)' });
    expect(response.body.tasks).toEqual([
      { id: 'run', kind: 'run', state: 'COMPLETED', workerId: expect.any(String) },
      { id: 'cleanup', kind: 'cleanup', state: 'SKIPPED', workerId: null },
    ]);
    const queue = new Queue(taskQueueName('default'), { connection: { url: TEST_REDIS_URL } as never, prefix: kiln.prefix });
    try {
      expect(await queue.getJob(`${response.body.id}.cleanup`)).toBeUndefined();
    } finally {
      await queue.close();
    }
    expect(await kiln.redis.exists(...new RedisKeys(kiln.prefix).jobScratch(response.body.id))).toBe(0);
  });

  it('leaves no container of a finished job behind', async () => {
    const response = await execute({ language: 'python', code: 'print(1)' });
    expect(response.body.verdict).toBe('OK');
    await eventually(() => containersOfJob(response.body.id), (list) => list.length === 0, 5000, "the finished job's containers gone");
  });
});
