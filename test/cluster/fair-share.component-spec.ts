import Redis from 'ioredis';
import { JobMeta, RedisKeys, TaskPlan } from '@kiln/tasks';
import { KeyTaskLedger } from '../../apps/coordinator/src/tenancy/key-task-ledger';
import { KeyTaskLedgerAudit } from '../../apps/coordinator/src/tenancy/key-task-ledger.audit';
import { TEST_REDIS_URL } from '../support/environment';
import { deleteKeys } from '../support/kiln-harness';
import { testPrefix } from '../support/test-run';

/** Issue 12, fair share: the ledger that bounds a key's unfinished tasks, on the real Redis (with jobs that run: fair-share.e2e-spec.ts). */
describe('fair share between API keys', () => {
  describe('the per-key task ledger (real Redis)', () => {
    let redis: Redis;
    let ledger: KeyTaskLedger;
    const prefix = testPrefix('ledger');
    const keys = new RedisKeys(prefix);
    const plan: TaskPlan[] = [{ id: 'compile', kind: 'compile' }, ...[1, 2, 3, 4, 5, 6].map((n) => ({ id: `run-${n}`, kind: 'run' as const })), { id: 'cleanup', kind: 'cleanup' }];
    const job = (id: string) => ({ id, plan }) as JobMeta;

    beforeAll(() => {
      redis = new Redis(TEST_REDIS_URL);
      ledger = new KeyTaskLedger(redis, keys);
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
      expect(await new KeyTaskLedgerAudit(ledger, keys, redis).audit()).toBe(2);
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
});
