import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { ScriptedSandboxRuntime } from '../../apps/worker/src/sandbox/scripted/scripted-sandbox.runtime';
import { Harness, startKiln } from '../support/kiln-harness';

const KEY_A = 'rate-key-a-0123456789abcdef';
const KEY_B = 'rate-key-b-0123456789abcdef';
// A long window, so that a loaded machine cannot let a window pass mid-test.
const KEYS_ON = { KILN_COORDINATOR__AUTH__MODE: 'on', KILN_COORDINATOR__AUTH__KEYS: `${KEY_A},${KEY_B}`, KILN_COORDINATOR__RATE_LIMIT__WINDOW_MS: '600000' };

/** A 429 in Kiln's own shape: `{error}` saying what was limited, Retry-After, no exception class name. */
function expectRateLimited(answer: { status: number; headers: Record<string, string>; body: unknown }, who: RegExp) {
  expect(answer.status).toBe(429);
  expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
  expect(answer.body).toEqual({ error: expect.stringMatching(who) });
  expect(JSON.stringify(answer.body)).not.toMatch(/Exception|Error/);
}

/** The answer to a WebSocket upgrade of `path`: 101 when it switched (the socket is closed at once), else the refusal's status, Retry-After and body. */
function upgradeAnswer(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; retryAfter?: string; body?: string }> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}`, { headers });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.terminate();
      resolve({ status: 101 });
    });
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'], body }));
    });
    socket.once('error', reject);
  });
}

/** Issue 12: rate limits that never throttle one local user, count per key, and count key guesses by address first. */
describe('rate limit', () => {
  it('a loopback Kiln without keys (mode auto, the default) is never throttled, whatever the limits say', async () => {
    // Tiny limits and a long window: were any limit applied, the 6th request would be refused.
    const kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__RATE_LIMIT__PER_ADDRESS: '5', KILN_COORDINATOR__RATE_LIMIT__PER_KEY: '5', KILN_COORDINATOR__RATE_LIMIT__WINDOW_MS: '600000' } });
    try {
      expect(kiln.loaded.config.coordinator.rateLimit.mode).toBe('auto');
      const statuses = new Set<number>();
      for (let i = 0; i < 50; i++) statuses.add((await kiln.http().get(i % 2 ? '/languages' : '/api/v2/runtimes')).status);
      expect([...statuses]).toEqual([200]);
    } finally {
      await kiln.close();
    }
  });

  it('a burst of 500 simultaneous /execute on a loopback Kiln without keys: every one answered, correctly, none refused with 429', async () => {
    // Sandboxes without Docker (the programs echo their stdin): the burst meets Kiln's HTTP edge, admission and queues, not the engine.
    const runtime = new ScriptedSandboxRuntime(({ stdin, stdout }) => stdout(`echo ${stdin}`));
    // A loaded machine may take longer than /execute's default wait for the last of 500: what is tested is that none is refused.
    const kiln = await startKiln({ runtime, env: { KILN_COORDINATOR__EXECUTE__WAIT_MARGIN_MS: '240000' } });
    try {
      expect(kiln.loaded.config.coordinator.rateLimit.mode).toBe('auto');
      await kiln.coordinator!.listen(0, '127.0.0.1');
      const url = `http://127.0.0.1:${(kiln.coordinator!.getHttpServer().address() as { port: number }).port}/execute`;
      const tokens = Array.from({ length: 500 }, () => randomBytes(6).toString('hex'));
      const answers = await Promise.all(
        tokens.map(async (stdin) => {
          const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'python', code: 'print(input())', stdin }) });
          const body = (await response.json()) as { verdict?: string; run?: { stdout: string } };
          return { status: response.status, right: body.verdict === 'OK' && body.run?.stdout === `echo ${stdin}` };
        }),
      );
      const statuses = answers.reduce<Record<number, number>>((count, { status }) => ({ ...count, [status]: (count[status] ?? 0) + 1 }), {});
      expect(statuses).toEqual({ 200: 500 });
      expect(answers.filter((answer) => !answer.right)).toEqual([]);
      expect(runtime.sandboxes).toHaveLength(500);
    } finally {
      await kiln.close();
    }
    // As long as the answers may take (the wait margin above): the tier's 60 s cut a loaded run short.
  }, 240_000);

  it('WebSocket upgrades count with the HTTP requests of their caller: opening sockets is no way around the limit', async () => {
    const kiln = await startKiln({ worker: false, env: { ...KEYS_ON, KILN_COORDINATOR__RATE_LIMIT__PER_KEY: '4', KILN_COORDINATOR__RATE_LIMIT__PER_ADDRESS: '3' } });
    try {
      await kiln.coordinator!.listen(0, '127.0.0.1');
      const url = `http://127.0.0.1:${(kiln.coordinator!.getHttpServer().address() as { port: number }).port}`;
      const key = { 'X-Kiln-Key': KEY_A };
      // Key A: two HTTP requests and two upgrades (one of each endpoint) are its 4; the fifth, of either kind, is refused.
      expect((await kiln.http().get('/languages').set(key)).status).toBe(200);
      expect((await upgradeAnswer(url, '/interactive', key)).status).toBe(101);
      expect((await upgradeAnswer(url, '/api/v2/connect', key)).status).toBe(101);
      expect((await kiln.http().get('/languages').set(key)).status).toBe(200);
      const refused = await upgradeAnswer(url, '/interactive', key);
      expect(refused).toMatchObject({ status: 429, retryAfter: expect.stringMatching(/^[1-9]\d*$/) });
      expect(JSON.parse(refused.body!)).toEqual({ error: expect.stringMatching(/^rate limited: at most 4 requests in \d+ s for this API key; retry after \d+ s$/) });
      expectRateLimited(await kiln.http().get('/languages').set(key), /for this API key/);
      // Without a key (a browser's upgrade, its key to come in the first message): counted by address, 3 in all.
      for (let i = 0; i < 3; i++) expect((await upgradeAnswer(url, '/interactive')).status).toBe(101);
      expect((await upgradeAnswer(url, '/api/v2/connect')).status).toBe(429);
      // Key B has a count of its own.
      expect((await upgradeAnswer(url, '/interactive', { 'X-Kiln-Key': KEY_B })).status).toBe(101);
    } finally {
      await kiln.close();
    }
  });

  describe('with API keys on', () => {
    let kiln: Harness;

    beforeAll(async () => {
      kiln = await startKiln({ worker: false, env: { ...KEYS_ON, KILN_COORDINATOR__RATE_LIMIT__PER_KEY: '6', KILN_COORDINATOR__RATE_LIMIT__PER_ADDRESS: '3' } });
    });

    afterAll(async () => {
      await kiln?.close();
    });

    it('counts per key, across all routes together; another key keeps its own count', async () => {
      const paths = ['/languages', '/metrics', '/judge0/statuses', '/api/v2/runtimes', '/languages', '/nodes'];
      const statuses = [];
      for (const path of paths) statuses.push((await kiln.http().get(path).set('X-Kiln-Key', KEY_A)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
      expectRateLimited(await kiln.http().get('/languages').set('Authorization', `Bearer ${KEY_A}`), /^rate limited: at most 6 requests in \d+ s for this API key; retry after \d+ s$/);
      // Judge0 clients send the key as X-Auth-Token: the same key, the same count.
      expect((await kiln.http().get('/judge0/statuses').set('X-Auth-Token', KEY_A)).status).toBe(429);
      expect((await kiln.http().get('/languages').set('X-Kiln-Key', KEY_B)).status).toBe(200);
    });

    it('requests without a valid key are counted by address before the key check: guessing keys is throttled', async () => {
      const guesses = [];
      for (let i = 0; i < 3; i++) guesses.push((await kiln.http().get('/languages').set('X-Kiln-Key', `guess-${i}-0123456789abcdef`)).status);
      expect(guesses).toEqual([401, 401, 401]);
      expectRateLimited(await kiln.http().get('/languages').set('X-Kiln-Key', 'guess-3-0123456789abcdef'), /from this address without a valid API key/);
      // The same address with no key at all, on any route, public ones included.
      expect((await kiln.http().post('/execute').send({ language: 'python', code: 'print(1)' })).status).toBe(429);
      expect((await kiln.http().get('/health')).status).toBe(429);
      // A valid key from that address is counted by its key, not by the address.
      expect((await kiln.http().get('/languages').set('X-Kiln-Key', KEY_B)).status).toBe(200);
    });
  });

  it('coordinators of one deployment share each caller’s count: two behind a balancer admit what one would', async () => {
    const env = { ...KEYS_ON, KILN_COORDINATOR__RATE_LIMIT__PER_KEY: '4', KILN_COORDINATOR__RATE_LIMIT__PER_ADDRESS: '3' };
    const first = await startKiln({ worker: false, env });
    const second = await startKiln({ worker: false, env, prefix: first.prefix });
    try {
      const key = { 'X-Kiln-Key': KEY_A };
      // Key A alternates between the two: 4 in all are admitted, the 5th is refused by either.
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await (i % 2 ? second : first).http().get('/languages').set(key)).status);
      expect(statuses).toEqual([200, 200, 200, 200]);
      expectRateLimited(await first.http().get('/languages').set(key), /^rate limited: at most 4 requests in \d+ s for this API key; retry after \d+ s$/);
      expect((await second.http().get('/languages').set(key)).status).toBe(429);
      // Key guesses by address likewise: 3 in all, wherever they land.
      const guesses = [];
      for (let i = 0; i < 3; i++) guesses.push((await (i % 2 ? second : first).http().get('/languages').set('X-Kiln-Key', `guess-${i}-0123456789abcdef`)).status);
      expect(guesses).toEqual([401, 401, 401]);
      expect((await second.http().get('/languages')).status).toBe(429);
      // Key B keeps a count of its own.
      expect((await second.http().get('/languages').set('X-Kiln-Key', KEY_B)).status).toBe(200);
    } finally {
      // The second's coordinator only: the first's close then removes the deployment's keys, once both are gone.
      await second.coordinator!.close();
      second.redis.disconnect();
      await first.close();
    }
  });

  describe('bodies are not read before the key check and the rate limit', () => {
    let kiln: Harness;

    beforeAll(async () => {
      kiln = await startKiln({ worker: false, env: { ...KEYS_ON, KILN_COORDINATOR__BODY_LIMIT_BYTES: '4096', KILN_COORDINATOR__RATE_LIMIT__PER_ADDRESS: '4' } });
    });

    afterAll(async () => {
      await kiln?.close();
    });

    it('a malformed, oversized, hostile or non-JSON body without a valid key → 401, then 429', async () => {
      const statuses = [
        (await kiln.http().post('/execute').set('content-type', 'application/json').send('{"language": "python",')).status,
        (await kiln.http().post('/jobs').send({ language: 'python', code: 'x'.repeat(10_000) })).status,
        (await kiln.http().post('/jobs').set('content-type', 'application/json').send(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).status,
        (await kiln.http().post('/judge0/submissions').set('content-type', 'text/plain').set('X-Auth-Token', 'wrong-0123456789abcdef').send('{')).status,
        (await kiln.http().post('/api/v2/execute').set('content-type', 'application/json').send('{"__proto__": {}}')).status,
      ];
      expect(statuses).toEqual([401, 401, 401, 401, 429]);
    });

    it('with a valid key the same bodies are read and refused for what they are', async () => {
      const post = (path: string) => kiln.http().post(path).set('X-Kiln-Key', KEY_A);
      expect((await post('/execute').set('content-type', 'application/json').send('{"language": "python",')).status).toBe(400);
      expect((await post('/jobs').send({ language: 'python', code: 'x'.repeat(10_000) })).status).toBe(413);
      expect((await post('/jobs').set('content-type', 'text/plain').send('{}')).status).toBe(415);
    });
  });
});
