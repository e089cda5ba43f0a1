import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import request from 'supertest';
import { loadConfig } from '@kiln/config';
import { JobRepository, KeyLedgerRepository, RedisKeys } from '@kiln/store';
import { JobMeta, TaskPlan } from '@kiln/tasks';
import { createCoordinator } from '../../apps/coordinator/src/coordinator.bootstrap';
import { KeyTaskLedgerAudit } from '../../apps/coordinator/src/tenancy/key-task-ledger.audit';
import { WorkerMetrics } from '../../apps/worker/src/metrics/worker-metrics';
import { TEST_REDIS_URL } from '../support/environment';
import { deleteKeys, Harness, startKiln } from '../support/kiln-harness';
import { script, scriptedRuntime } from '../support/scripted-programs';
import { testPrefix } from '../support/test-run';
import { eventually } from '../support/waiting';

const KEY_A = 'fair-share-key-a-0123456789';
const KEY_B = 'fair-share-key-b-0123456789';
/** A key's id as the coordinator records it (ApiKeys: the first 24 hex digits of its SHA-256). */
const keyId = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 24);

// Two task slots per worker, whatever the machine (worker.concurrency auto would size them from its CPUs).
const keysOn = { KILN_COORDINATOR__AUTH__MODE: 'on', KILN_COORDINATOR__AUTH__KEYS: `${KEY_A},${KEY_B}`, KILN_WORKER__CONCURRENCY: '2' };

/** A KILN_CONFIG file that lets key A ask for the top priority (the default ceiling, 5, would refuse it). */
function configLettingAOutrankB(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kiln-fair-share-')), 'kiln.yaml');
  writeFileSync(file, `coordinator:\n  perKey:\n    overrides:\n      - {key: ${KEY_A}, maxPriority: 10}\n`);
  return file;
}

/** Runs `send` for each item, at most `width` at a time, and keeps the answers in order. */
async function inParallel<T, R>(items: T[], width: number, send: (item: T) => Promise<R>): Promise<R[]> {
  const answers: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: width }, async () => {
    while (next < items.length) {
      const index = next++;
      answers[index] = await send(items[index]);
    }
  });
  await Promise.all(lanes);
  return answers;
}

/**
 * Issue 12, fair share: the ledger that bounds a key's unfinished tasks, a
 * flooding key, a Judge0 batch and a coordinator restart, with scripted
 * programs (a worker killed with SIGKILL: fair-share.e2e-spec.ts).
 */
describe('fair share between API keys', () => {
  describe('the per-key task ledger (real Redis)', () => {
    let redis: Redis;
    let ledger: KeyLedgerRepository;
    const prefix = testPrefix('ledger');
    const keys = new RedisKeys(prefix);
    const plan: TaskPlan[] = [{ id: 'compile', kind: 'compile' }, ...[1, 2, 3, 4, 5, 6].map((n) => ({ id: `run-${n}`, kind: 'run' as const })), { id: 'cleanup', kind: 'cleanup' }];
    const job = (id: string) => ({ id, plan }) as JobMeta;

    beforeAll(() => {
      redis = new Redis(TEST_REDIS_URL);
      ledger = new KeyLedgerRepository(redis, keys);
    });

    afterAll(async () => {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    });

    it('never lets concurrent requests of one key overshoot, counts a batch as all its jobs, and gives back on every way out', async () => {
      // 50 requests at once, each a job of 7 counted tasks (compile + 6 runs; cleanup is not counted), against 100.
      const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => ledger.reserve('k', [job(`j${n}`)], 100)));
      const granted = answers.filter((answer) => answer.granted).length;
      expect(granted).toBe(14);
      const entries = await ledger.entries('k');
      expect(entries.reduce((sum, entry) => sum + entry.tasks, 0)).toBe(98);
      expect(answers.find((answer) => !answer.granted)).toEqual({ granted: false, held: expect.any(Number), requested: 7 });

      // A batch is all or nothing: two jobs would make 112, so neither is added.
      expect(await ledger.reserve('k', [job('b1'), job('b2')], 110)).toEqual({ granted: false, held: 98, requested: 14 });
      expect(await ledger.entries('k')).toHaveLength(14);
      // Another key has its own ledger.
      expect(await ledger.reserve('other', [job('o1')], 7)).toEqual({ granted: true });

      // The audit gives back what ended and what was never stored, and keeps what still runs.
      const [ended, live, fresh] = entries.map((entry) => entry.jobId);
      await redis.hset(keys.job(ended), 'state', 'CANCELLED');
      await redis.hset(keys.job(live), 'state', 'RUNNING');
      await redis.hset(keys.keyTasks('k'), 'never-stored', `7@${Date.now() - 120_000}`);
      const jobs = new JobRepository(redis, keys, loadConfig().config);
      expect(await new KeyTaskLedgerAudit(ledger, jobs).audit()).toBe(2);
      const left = (await ledger.entries('k')).map((entry) => entry.jobId);
      expect(left).toHaveLength(13);
      expect(left).toEqual(expect.arrayContaining([live, fresh]));

      // Giving back is idempotent, and a key holding nothing is forgotten.
      expect(await ledger.release('k', [live])).toBe(1);
      expect(await ledger.release('k', [live])).toBe(0);
      await ledger.release('k', left);
      expect(await redis.exists(keys.keyTasks('k'))).toBe(0);
      expect((await ledger.holders()).sort()).toEqual(['other']);
    });
  });

  describe('a flooding key (issue 12, acceptance 4)', () => {
    let kiln: Harness;
    const a = (path: string) => kiln.http().post(path).set('X-Kiln-Key', KEY_A);
    const b = (path: string) => kiln.http().post(path).set('X-Kiln-Key', KEY_B);
    const runningOfA = () => kiln.redis.zcard(new RedisKeys(kiln.prefix).keyRunning(keyId(KEY_A), 'default'));
    const runningTasksOfA = () => kiln.redis.zrange(new RedisKeys(kiln.prefix).keyRunning(keyId(KEY_A), 'default'), 0, -1);
    let accepted: string[] = [];

    beforeAll(async () => {
      // worker.concurrency 2 (keysOn) and the default worker.perKey.runningShare (0.5): one slot per key.
      kiln = await startKiln({ runtime: scriptedRuntime(), env: { ...keysOn, KILN_CONFIG: configLettingAOutrankB() } });
    });

    afterAll(async () => {
      await inParallel(accepted, 8, (id) => kiln.http().put(`/jobs/${id}/cancel`).set('X-Kiln-Key', KEY_A));
      await kiln?.close();
    });

    it("key A's 200 jobs of 20 sleeping tests at priority 10 leave key B's /execute answered while A's running task still runs", async () => {
      const flood = { language: 'bash', code: 'sleep 20000', tests: Array.from({ length: 20 }, () => ({ stdin: '' })), priority: 10 };
      const answers = await inParallel(Array.from({ length: 200 }), 10, () => a('/jobs').send(flood));
      accepted = answers.filter((answer) => answer.status === 202).map((answer) => answer.body.id);
      const refused = answers.filter((answer) => answer.status !== 202);
      // 20 tests in batches of 8 are 3 run tasks: as many jobs as fit in coordinator.perKey.maxTasks, exactly, and not one more.
      const { maxTasks } = kiln.loaded.config.coordinator.perKey;
      expect(accepted).toHaveLength(Math.floor(maxTasks / 3));
      expect(refused.length).toBe(200 - accepted.length);
      for (const answer of refused) {
        expect(answer.status).toBe(429);
        expect(answer.body.error).toMatch(/this API key has \d+ unfinished tasks .* coordinator\.perKey\.maxTasks allows 500/);
      }

      // A holds its running share (one slot of two) and no more; its other tasks wait, parked.
      await eventually(runningOfA, (running) => running === 1, 60_000);
      expect(await runningOfA()).toBe(1);

      // B is not refused while A is, and its run starts at once in the slot A may not take: it is
      // answered while the very task of A's that ran before B asked still runs (a 20-second sleep).
      // Had B waited for A's slot (or for A's ~500 tasks ahead of it), that task would have ended
      // first. Said by what runs, not by a time bound, so that a loaded machine cannot fail it.
      const runningBefore = await runningTasksOfA();
      const hello = await b('/execute').send({ language: 'python', code: 'out hello' });
      expect(hello.status).toBe(200);
      expect(hello.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'hello\n' } });
      expect(await runningTasksOfA()).toEqual(runningBefore);
      const parked = await kiln.worker!.get(WorkerMetrics).registry.getSingleMetric('kiln_tasks_parked_total')!.get();
      expect(parked.values.reduce((sum, value) => sum + value.value, 0)).toBeGreaterThan(0);

      // B keeps to its own ceiling: priority 10 is A's override only.
      const tooHigh = await b('/jobs').send({ language: 'python', code: 'out 1', priority: 10 });
      expect(tooHigh.status).toBe(400);
      expect(tooHigh.body.details).toEqual([{ field: 'priority', message: 'at most 5 for this API key (coordinator.perKey.maxPriority)' }]);
    });

    it("gives A's share back as its jobs end: cancelled, A may submit again", async () => {
      const cancelled = await inParallel(accepted, 8, (id) => kiln.http().put(`/jobs/${id}/cancel`).set('X-Kiln-Key', KEY_A));
      expect(cancelled.every((answer) => answer.status === 200)).toBe(true);
      accepted = [];
      const ledger = new RedisKeys(kiln.prefix).keyTasks(keyId(KEY_A));
      await eventually(() => kiln.redis.exists(ledger), (exists) => exists === 0, 30_000);
      const again = await a('/jobs').send({ language: 'bash', code: 'out again' });
      expect(again.status).toBe(202);
      accepted = [again.body.id];
    });
  });

  describe('a Judge0 batch', () => {
    let kiln: Harness;
    const created: string[] = [];
    const a = (path: string) => kiln.http().post(path).set('X-Kiln-Key', KEY_A);
    const sleeper = { language_id: 46, source_code: 'sleep 20000', number_of_runs: 20 };
    const heldByA = () => kiln.redis.hlen(new RedisKeys(kiln.prefix).keyTasks(keyId(KEY_A)));

    beforeAll(async () => {
      // The least coordinator.perKey.maxTasks may be: one full batch (20 jobs of 100 tests, 14 tasks each).
      kiln = await startKiln({ runtime: scriptedRuntime(), env: { ...keysOn, KILN_COORDINATOR__PER_KEY__MAX_TASKS: '280' } });
    });

    afterAll(async () => {
      await inParallel(created, 8, (id) => kiln.http().put(`/jobs/${id}/cancel`).set('X-Kiln-Key', KEY_A));
      await kiln?.close();
    });

    it('counts as the tasks of all its jobs, and is admitted whole or not at all', async () => {
      // 20 jobs of 100 Bash tests: 13 run tasks each, 260 of the key's 280.
      const filler = { language: 'bash', code: 'sleep 20000', tests: Array.from({ length: 100 }, () => ({ stdin: '' })) };
      for (const answer of await inParallel(Array.from({ length: 20 }), 5, () => a('/jobs').send(filler))) {
        expect(answer.status).toBe(202);
        created.push(answer.body.id);
      }
      // Seven submissions of 20 runs are 7 x 3 = 21 tasks: one too many, so none is created.
      const refused = await a('/judge0/submissions/batch').send({ submissions: Array.from({ length: 7 }, () => sleeper) });
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({ error: expect.stringMatching(/^this API key has 260 unfinished tasks .* needs 21 more; coordinator\.perKey\.maxTasks allows 280/) });
      expect(await heldByA()).toBe(20);
      // Six (18 tasks) fit; an invalid entry beside them gets its errors in place, as Judge0 answers.
      const invalid = { language_id: 150000, source_code: 'x' };
      const admitted = await a('/judge0/submissions/batch').send({ submissions: [sleeper, sleeper, sleeper, invalid, sleeper, sleeper, sleeper] });
      expect(admitted.status).toBe(201);
      expect(admitted.body[3]).toEqual({ language_id: ["language with id 150000 doesn't exist"] });
      const tokens = admitted.body.filter((entry: { token?: string }) => entry.token).map((entry: { token: string }) => entry.token);
      created.push(...tokens);
      expect(tokens).toHaveLength(6);
      expect(await heldByA()).toBe(26);
    });
  });

  describe('a coordinator restart', () => {
    let kiln: Harness;
    let coordinator: INestApplication | undefined;

    beforeAll(async () => {
      kiln = await startKiln({ coordinator: false, runtime: scriptedRuntime(), env: keysOn });
    });

    afterAll(async () => {
      await coordinator?.close();
      await kiln?.close();
    });

    async function startCoordinator(): Promise<INestApplication> {
      const app = await createCoordinator(kiln.loaded);
      await app.init();
      return app;
    }

    it("keeps a key's reservations, and the restarted coordinator gives them back when the job ends", async () => {
      const ledger = new RedisKeys(kiln.prefix).keyTasks(keyId(KEY_A));
      coordinator = await startCoordinator();
      const accepted = await request(coordinator.getHttpServer())
        .post('/jobs')
        .set('X-Kiln-Key', KEY_A)
        .send({ language: 'bash', code: script('sleep 8000', 'out after the restart'), limits: { timeoutMs: 20000 } });
      expect(accepted.status).toBe(202);
      await coordinator.close();
      coordinator = undefined;
      // No coordinator runs: the job goes on, its reservation stays.
      expect(await kiln.redis.hkeys(ledger)).toEqual([accepted.body.id]);

      coordinator = await startCoordinator();
      const read = () => request(coordinator!.getHttpServer()).get(`/jobs/${accepted.body.id}`).set('X-Kiln-Key', KEY_A);
      const job = await eventually(async () => (await read()).body, (body) => body.state === 'COMPLETED' || body.state === 'FAILED', 30_000);
      expect(job).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'after the restart\n' } });
      await eventually(() => kiln.redis.exists(ledger), (exists) => exists === 0, 10_000);
    });
  });
});
