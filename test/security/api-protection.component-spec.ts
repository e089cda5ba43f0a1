import { Harness, REPO_ROOT, startKiln } from '../support/kiln-harness';
import { freePort, spawnKiln } from '../support/processes';
import { scriptedRuntime } from '../support/scripted-programs';
import { eventually } from '../support/waiting';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';

/** Issue 3, acceptance 4: keys, ownership, rate limits, a full queue (scripted programs); plus headers, CORS and secrets in logs. */
describe('API protection', () => {
  describe('with API keys on', () => {
    let kiln: Harness;

    beforeAll(async () => {
      kiln = await startKiln({ runtime: scriptedRuntime(), env: { KILN_COORDINATOR__AUTH__MODE: 'on', KILN_COORDINATOR__AUTH__KEYS: `${KEY_A},${KEY_B}` } });
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
      const created = await kiln.http().post('/execute').set('X-Kiln-Key', KEY_A).send({ language: 'python', code: 'out 7' });
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
      kiln = await startKiln({ runtime: scriptedRuntime(), env: { KILN_COORDINATOR__MAX_QUEUED_TASKS: '1', KILN_WORKER__CONCURRENCY: '1' } });
    });

    afterAll(async () => {
      await kiln?.close();
    });

    it('a full queue → 503 with a clear message', async () => {
      const busy = await kiln.http().post('/jobs').send({ language: 'bash', code: 'sleep 20000', limits: { timeoutMs: 20000 } });
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
  describe('rate limit', () => {
    let kiln: Harness;

    beforeAll(async () => {
      kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__RATE_LIMIT__MODE: 'on', KILN_COORDINATOR__RATE_LIMIT__PER_ADDRESS: '5', KILN_COORDINATOR__RATE_LIMIT__WINDOW_MS: '60000' } });
    });

    afterAll(async () => {
      await kiln?.close();
    });

    it('over the rate → 429 with Retry-After', async () => {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await kiln.http().get('/languages')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      const limited = await kiln.http().get('/languages');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.body.error).toEqual(expect.any(String));
    });
  });

  describe('headers and CORS', () => {
    let kiln: Harness;

    beforeAll(async () => {
      kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__CORS__ORIGINS: 'https://ide.kiln.test' } });
    });

    afterAll(async () => {
      await kiln?.close();
    });

    it('sends security headers', async () => {
      const response = await kiln.http().get('/languages');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['content-security-policy']).toContain("default-src 'self'");
      expect(response.headers['x-powered-by']).toBeUndefined();
    });

    it('CORS: only configured origins', async () => {
      const allowed = await kiln.http().options('/execute').set('Origin', 'https://ide.kiln.test').set('Access-Control-Request-Method', 'POST');
      expect(allowed.headers['access-control-allow-origin']).toBe('https://ide.kiln.test');
      const other = await kiln.http().options('/execute').set('Origin', 'https://evil.kiln.test').set('Access-Control-Request-Method', 'POST');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  it('CORS is closed by default', async () => {
    const kiln = await startKiln({ worker: false });
    try {
      const preflight = await kiln.http().options('/execute').set('Origin', 'https://ide.kiln.test').set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await kiln.close();
    }
  });

  it('never logs the Redis password or an API key', async () => {
    const port = await freePort();
    const redisPassword = 'redis-password-never-logged';
    const failing = spawnKiln('coordinator', {
      KILN_HOME: REPO_ROOT,
      KILN_REDIS__URL: `redis://:${redisPassword}@127.0.0.1:${port}`,
      // The URL is logged while it waits and when it gives up: a short wait shows both.
      KILN_REDIS__STARTUP_WAIT_MS: '1000',
      KILN_COORDINATOR__AUTH__MODE: 'on',
      KILN_COORDINATOR__AUTH__KEYS: KEY_A,
    });
    expect(await failing.exited).toBe(1);
    expect(failing.output()).toContain(`waiting for Redis at redis://:***@127.0.0.1:${port}`);
    expect(failing.output()).toContain(`no Redis answers at redis://:***@127.0.0.1:${port}`);
    expect(failing.output()).not.toContain(redisPassword);
    expect(failing.output()).not.toContain(KEY_A);
  });
});
