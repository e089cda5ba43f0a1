import Redis from 'ioredis';
import { Harness, startKiln } from '../support/kiln-harness';
import { eventually } from '../support/waiting';
import { PrivateRedis } from '../support/private-redis';

const MiB = 1024 * 1024;
/** The default limits.jobOutputBytes (config/kiln.yaml). */
const BUDGET = MiB;
/** What a job's JSON holds besides output: ids, times, verdicts and per-test fields (at most jobs.maxTests of them). */
const JSON_OVERHEAD = 64 * 1024;
/** Redis may grow by this multiple of the budget while the job runs, plus FIXED_GROWTH (queues, records, buffers). */
const GROWTH_MULTIPLE = 3;
const FIXED_GROWTH = MiB;

/** 115 bytes of request that used to make 402 MB of JSON: 4 MiB of \x01 (6 bytes each in JSON) per test, answered twice. */
const amplification = (tests: number) => ({
  language: 'python',
  code: "import sys\nsys.stdout.write('\\x01' * 4194304)",
  tests: Array.from({ length: tests }, () => ({ stdin: '' })),
  limits: { outputBytes: 4194304 },
  combinedOutput: true,
});

/** The highest used_memory seen while it runs, sampled from a connection of its own. */
class MemorySampler {
  peak = 0;
  private running = true;
  private readonly done: Promise<void>;

  constructor(private readonly redis: Redis) {
    this.done = this.loop();
  }

  async stop(): Promise<number> {
    this.running = false;
    await this.done;
    return this.peak;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.peak = Math.max(this.peak, await usedMemory(this.redis));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
}

/** used_memory once the jobs before are cleaned up and it has stopped moving: the baseline of the next job. */
async function settledMemory(redis: Redis, prefix: string): Promise<number> {
  await eventually(() => redis.keys(`${prefix}:job:*:input`), (keys) => keys.length === 0, 30_000);
  let previous = await usedMemory(redis);
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = await usedMemory(redis);
    if (Math.abs(now - previous) < 16 * 1024) return Math.min(now, previous);
    previous = now;
  }
  throw new Error('Redis memory did not settle within 20 s');
}

/**
 * Issue 12, acceptance 1: the amplification request gets a job whose JSON is
 * at most the output budget plus a small fixed overhead, and Redis grows by
 * a small multiple of the budget while it runs. The deployment has a Redis of
 * its own, so that no other test's keys move used_memory.
 */
describe('the output amplification request', () => {
  const redis = new PrivateRedis(['--appendonly', 'no']);
  let kiln: Harness;
  let sampling: Redis;

  beforeAll(async () => {
    await redis.start();
    kiln = await startKiln({ env: { KILN_REDIS__URL: redis.url, KILN_WORKER__COMPILE_CACHE__ENABLED: 'false' } });
    sampling = new Redis(redis.url);
    // Queues, scripts and the pool exist before the baseline is taken.
    await kiln.http().post('/execute').send({ language: 'python', code: 'print(1)', tests: [{ stdin: '' }] }).expect(200);
  });

  afterAll(async () => {
    sampling?.disconnect();
    await kiln?.close();
    await redis.stop();
  });

  it.each([8, 100])('with %i tests: the JSON stays within the budget and Redis within a small multiple of it', async (tests) => {
    const baseline = await settledMemory(sampling, kiln.prefix);
    const sampler = new MemorySampler(sampling);
    const accepted = await kiln.http().post('/jobs').send(amplification(tests)).expect(202);
    const id = accepted.body.id as string;
    const finished = await eventually(
      () => kiln.http().get(`/jobs/${id}`),
      (response) => response.body.state === 'COMPLETED',
      120_000,
    );
    const peak = await sampler.stop();

    const json = Buffer.byteLength(finished.text);
    expect(json).toBeLessThanOrEqual(BUDGET + JSON_OVERHEAD);
    expect(peak - baseline).toBeLessThanOrEqual(GROWTH_MULTIPLE * BUDGET + FIXED_GROWTH);

    const job = finished.body;
    expect(job.verdict).toBe('OUTPUT_LIMIT');
    expect(job.tests).toHaveLength(tests);
    for (const test of job.tests) {
      expect(test).toMatchObject({ verdict: 'OUTPUT_LIMIT', truncated: true });
      expect(test.output).toBe(test.stdout + test.stderr);
      expect(test.stdout).toMatch(/^\u0001+$/);
    }
    // The budget is used, not wasted: every test keeps (almost) its whole equal share.
    const share = BUDGET / tests;
    for (const test of job.tests) expect(Buffer.byteLength(JSON.stringify(test.stdout)) * 2).toBeGreaterThan(share - 64);
    console.log(`${tests} tests: JSON ${json} bytes, Redis peak growth ${peak - baseline} bytes (budget ${BUDGET})`);
  });

  it('keeps each byte once in Redis: the output hash holds one copy, the job record none', async () => {
    const accepted = await kiln.http().post('/jobs').send(amplification(8)).expect(202);
    const id = accepted.body.id as string;
    await eventually(() => kiln.http().get(`/jobs/${id}`), (response) => response.body.state === 'COMPLETED', 120_000);
    const prefix = kiln.prefix;
    const record = await kiln.redis.hgetall(`${prefix}:job:${id}`);
    expect(Object.values(record).join('')).not.toContain('\\u0001');
    const outputs = await kiln.redis.hgetall(`${prefix}:job:${id}:outputs`);
    const stored = Object.values(outputs).join('');
    expect(Buffer.byteLength(stored)).toBeLessThanOrEqual(BUDGET / 2 + JSON_OVERHEAD);
    expect(stored).not.toContain('"output"');
  });
});

/**
 * The budget's sharing rule: each test gets an equal share (nothing was
 * compiled), so the same program gets the same verdicts and the same output
 * whether its tests run in one batch or each in its own.
 */
describe('sharing the output budget between tests', () => {
  const kilns: Harness[] = [];
  const program = { language: 'python', code: "import sys\nsys.stdout.write('x' * int(input()))" };
  const job = {
    ...program,
    tests: ['10', '5000', '10', '600', '0'].map((stdin) => ({ stdin })),
    limits: { jobOutputBytes: 4096 },
  };

  beforeAll(async () => {
    // One test per run task makes the largest request (a Judge0 batch of 100-test jobs) 2020 tasks: the
    // per-key ledger must be able to hold it (start-up refuses otherwise).
    const env = (size: string) => ({ KILN_JOBS__TEST_BATCH_SIZE: size, KILN_COORDINATOR__PER_KEY__MAX_TASKS: '2020' });
    for (const size of ['8', '1']) kilns.push(await startKiln({ env: env(size) }));
  });

  afterAll(async () => {
    for (const kiln of kilns) await kiln.close();
  });

  it('gives each test an equal share; the test that crosses it is OUTPUT_LIMIT, the others keep theirs', async () => {
    const answers: { verdict: string; tasks: unknown[]; tests: (Record<string, unknown> & { verdict: string })[] }[] = [];
    for (const kiln of kilns) answers.push((await kiln.http().post('/execute').send(job)).body);
    const share = Math.floor(4096 / 5);
    for (const answer of answers) {
      expect(answer.tests.map((t: { verdict: string }) => t.verdict)).toEqual(['OK', 'OUTPUT_LIMIT', 'OK', 'OK', 'OK']);
      expect(answer.tests[1]).toMatchObject({ truncated: true, stdout: 'x'.repeat(share) });
      expect(answer.tests[3]).toMatchObject({ truncated: false, stdout: 'x'.repeat(600) });
      expect(answer.verdict).toBe('OUTPUT_LIMIT');
    }
    expect(answers[0].tasks.length).toBeLessThan(answers[1].tasks.length);
    expect(answers[0].tests).toEqual(answers[1].tests.map((test: object, n: number) => ({ ...test, ...pick(answers[0].tests[n]) })));
  });
});

/**
 * The fields of a result that depend on the run, not on the program: times and memory, and, for a
 * run stopped at its output limit, how it ended: a program that wrote its last byte and exited before
 * the agent's kill landed ends on its own (exit 0), one still running ends by SIGKILL.
 */
function pick(test: Record<string, unknown>) {
  const times = { wallTimeMs: test.wallTimeMs, cpuTimeMs: test.cpuTimeMs, memoryBytes: test.memoryBytes };
  return test.verdict === 'OUTPUT_LIMIT' ? { ...times, exitCode: test.exitCode, signal: test.signal } : times;
}
