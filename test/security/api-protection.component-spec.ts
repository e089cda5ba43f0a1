import { Harness, REPO_ROOT, startKiln } from '../support/kiln-harness';
import { freePort, spawnKiln } from '../support/processes';

const KEY_A = 'key-a-0123456789abcdef';

/** Issue 3, acceptance 4, the coordinator's side: rate limits, headers, CORS and secrets in logs (keys and a full queue: api-protection.e2e-spec.ts). */
describe('API protection', () => {
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
