import { Harness, startKiln } from '../support/kiln-harness';
import { KilnProcess, spawnKiln } from '../support/processes';
import { sandboxesOf } from '../support/sandboxes';
import { eventually, remains } from '../support/waiting';

const KEY_A = 'fair-share-key-a-0123456789';
const KEY_B = 'fair-share-key-b-0123456789';
// Two task slots per worker, whatever the machine (worker.concurrency auto would size them from its CPUs).
const keysOn = { KILN_COORDINATOR__AUTH__MODE: 'on', KILN_COORDINATOR__AUTH__KEYS: `${KEY_A},${KEY_B}`, KILN_WORKER__CONCURRENCY: '2' };

/** Issue 12, fair share, with worker processes: a killed worker does not keep its key's slot (the rest: fair-share.component-spec.ts). */
describe('fair share between API keys', () => {
  describe('a worker killed with SIGKILL', () => {
    let kiln: Harness;
    let worker: KilnProcess | undefined;
    const workerEnv = (id: string) => ({
      ...kiln.env,
      KILN_WORKER__ID: id,
      KILN_WORKER__LOCK_DURATION_MS: '3000',
      KILN_WORKER__STALLED_INTERVAL_MS: '1000',
      // A stalled task fails instead of being handed on: only the lease's end can free the dead worker's slot.
      KILN_WORKER__MAX_STALLED_COUNT: '0',
      KILN_SANDBOX__REAPER_INTERVAL_MS: '1000',
      KILN_NODES__TIMEOUT_MS: '3000',
    });
    const a = (path: string) => kiln.http().post(path).set('X-Kiln-Key', KEY_A);
    const stateOf = async (id: string) => (await kiln.http().get(`/jobs/${id}`).set('X-Kiln-Key', KEY_A)).body;

    beforeAll(async () => {
      kiln = await startKiln({ worker: false, env: { ...keysOn, KILN_NODES__TIMEOUT_MS: '3000' } });
    });

    afterAll(async () => {
      await worker?.stop('SIGTERM');
      await kiln?.close();
    });

    it("does not keep its key's running slot: the lease ends and the key's next task runs elsewhere", async () => {
      worker = spawnKiln('worker', workerEnv('share-worker-1'));
      await eventually(() => kiln.http().get('/health').then((r) => r.status), (status) => status === 200, 30_000);
      const long = (await a('/jobs').send({ language: 'bash', code: 'sleep 25', limits: { timeoutMs: 30000 } })).body.id;
      await eventually(async () => (await stateOf(long)).state, (state) => state === 'RUNNING', 30_000);
      // One worker of two slots: A's share is one, so this job waits while the first runs.
      const next = (await a('/jobs').send({ language: 'bash', code: 'echo next' })).body.id;
      await remains(async () => (await stateOf(next)).state, (state) => state === 'SCHEDULED', 1500, 'the second job of key A waiting for its share');

      worker.child.kill('SIGKILL');
      await worker.exited;
      // The first job is given up; its slot is still leased to the dead worker and must come back by itself.
      expect((await kiln.http().put(`/jobs/${long}/cancel`).set('X-Kiln-Key', KEY_A)).status).toBe(200);
      worker = spawnKiln('worker', workerEnv('share-worker-2'));
      const done = await eventually(() => stateOf(next), (job) => job.state === 'COMPLETED' || job.state === 'FAILED', 40_000);
      expect(done).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'next\n' } });
      // And nothing of the dead worker is left: the live one reaps its pool once its heartbeat is stale.
      await eventually(() => sandboxesOf(kiln.prefix, 'kiln.worker=share-worker-1'), (list) => list.length === 0, 30_000, "the dead worker's pool reaped");
    });
  });
});
