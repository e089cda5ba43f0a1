import { Harness, startKiln } from '../support/kiln-harness';
import { eventually } from '../support/waiting';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';

/** Issue 3, acceptance 4, with jobs that run: keys and ownership, a full queue (the rest: api-protection.component-spec.ts). */
describe('API protection', () => {
  describe('with API keys on', () => {
    let kiln: Harness;

    beforeAll(async () => {
      kiln = await startKiln({ env: { KILN_COORDINATOR__AUTH__MODE: 'on', KILN_COORDINATOR__AUTH__KEYS: `${KEY_A},${KEY_B}` } });
    });

    afterAll(async () => {
      await kiln?.close();
    });

    it('no key → 401; an unknown key → 401', async () => {
      const none = await kiln.http().post('/execute').send({ language: 'python', code: 'print(1)' });
      expect(none.status).toBe(401);
      expect(none.body.error).toContain('API key is required');
      const unknown = await kiln.http().get('/languages').set('X-Kiln-Key', 'not-a-configured-key');
      expect(unknown.status).toBe(401);
    });

    it('a job is visible only to the key that created it (another key gets 404)', async () => {
      const created = await kiln.http().post('/execute').set('X-Kiln-Key', KEY_A).send({ language: 'python', code: 'print(7)' });
      expect(created.status).toBe(200);
      const id = created.body.id;
      expect((await kiln.http().get(`/jobs/${id}`).set('Authorization', `Bearer ${KEY_A}`)).body.run.stdout).toBe('7\n');
      const foreign = await kiln.http().get(`/jobs/${id}`).set('X-Kiln-Key', KEY_B);
      expect(foreign.status).toBe(404);
      expect(foreign.body).toEqual({ error: `no job with id ${id}` });
      expect((await kiln.http().put(`/jobs/${id}/cancel`).set('X-Kiln-Key', KEY_B)).status).toBe(404);
    });

    it('health stays public', async () => {
      expect((await kiln.http().get('/health')).status).toBe(200);
    });
  });

  describe('backpressure', () => {
    let kiln: Harness;

    beforeAll(async () => {
      kiln = await startKiln({ env: { KILN_COORDINATOR__MAX_QUEUED_TASKS: '1', KILN_WORKER__CONCURRENCY: '1' } });
    });

    afterAll(async () => {
      await kiln?.close();
    });

    it('a full queue → 503 with a clear message', async () => {
      const busy = await kiln.http().post('/jobs').send({ language: 'bash', code: 'sleep 20', limits: { timeoutMs: 20000 } });
      await eventually(async () => (await kiln.http().get(`/jobs/${busy.body.id}`)).body.state, (state) => state === 'RUNNING', 15_000);
      const waiting = await kiln.http().post('/jobs').send({ language: 'python', code: 'print(1)' });
      expect(waiting.status).toBe(202);
      const refused = await kiln.http().post('/jobs').send({ language: 'python', code: 'print(2)' });
      expect(refused.status).toBe(503);
      expect(refused.body.error).toContain('the queue is full');
      await kiln.http().put(`/jobs/${busy.body.id}/cancel`);
      await kiln.http().put(`/jobs/${waiting.body.id}/cancel`);
    });
  });
});
