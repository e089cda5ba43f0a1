import { createHmac } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { RedisKeys } from '@kiln/store';
import { WebhookDispatcher } from '../../apps/coordinator/src/webhooks/webhook-dispatcher';
import { Harness, startKiln } from '../support/kiln-harness';
import { scriptedRuntime } from '../support/scripted-programs';
import { eventually, remains } from '../support/waiting';

const SECRET = 'webhook-secret-for-tests';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

const listening = <T extends net.Server>(server: T): Promise<{ server: T; url: string }> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook` })));

async function receiver(status: number): Promise<{ server: http.Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const { server, url } = await listening(
    http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.writeHead(status).end();
      });
    }),
  );
  return { server, url, received };
}

/** A receiver that reads the request, then answers one byte of its status line every `everyMs`, never finishing. */
async function tricklingReceiver(everyMs: number) {
  const connections: { openedAt: number; closedAt?: number }[] = [];
  const sockets = new Set<net.Socket>();
  const { server, url } = await listening(
    net.createServer((socket) => {
      const connection: { openedAt: number; closedAt?: number } = { openedAt: Date.now() };
      connections.push(connection);
      sockets.add(socket);
      const answer = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
      let sent = 0;
      const timer = setInterval(() => sent < answer.length - 1 && socket.write(answer.subarray(sent, ++sent)), everyMs);
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        connection.closedAt = Date.now();
        sockets.delete(socket);
      });
    }),
  );
  return { url, connections, close: () => { for (const socket of sockets) socket.destroy(); server.close(); } };
}

/** A receiver that never answers; counts the deliveries it holds at once. */
async function silentReceiver() {
  const state = { open: 0, mostAtOnce: 0, seen: 0 };
  const { server, url } = await listening(
    http.createServer((request) => {
      state.seen++;
      state.mostAtOnce = Math.max(state.mostAtOnce, ++state.open);
      request.socket.on('close', () => state.open--);
      request.resume();
    }),
  );
  return { url, state, close: () => { server.closeAllConnections(); server.close(); } };
}

/** Issue 6, acceptance 5: signed webhooks, retried, given up, never affecting the job; SSRF refused. */
describe('webhooks', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({
      runtime: scriptedRuntime(),
      env: {
        KILN_COORDINATOR__WEBHOOKS__SECRET: SECRET,
        KILN_COORDINATOR__WEBHOOKS__ALLOW_PRIVATE: 'true',
        KILN_COORDINATOR__WEBHOOKS__ATTEMPTS: '3',
        KILN_COORDINATOR__WEBHOOKS__BACKOFF_MS: '100',
      },
    });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('POSTs the final job with a valid HMAC-SHA256 signature', async () => {
    const { server, url, received } = await receiver(204);
    try {
      const done = await kiln.http().post('/execute').send({ language: 'python', code: 'out hooked', webhook: url });
      await eventually(async () => received.length, (n) => n === 1);
      const [{ headers, body }] = received;
      expect(JSON.parse(body)).toMatchObject({ id: done.body.id, state: 'COMPLETED', verdict: 'OK', run: { stdout: 'hooked\n' } });
      expect(headers['x-kiln-job']).toBe(done.body.id);
      const [, timestamp, digest] = /^t=(\d+),sha256=([0-9a-f]{64})$/.exec(String(headers['x-kiln-signature']))!;
      expect(createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')).toBe(digest);
      expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(60);
    } finally {
      server.close();
    }
  });

  it('credentials in the webhook URL reach the receiver as Basic auth, and GET /jobs/:id does not show them', async () => {
    const { server, url, received } = await receiver(204);
    try {
      const withCredentials = url.replace('http://', 'http://hook-user:s%40cret@');
      const done = await kiln.http().post('/execute').send({ language: 'python', code: 'out hooked', webhook: withCredentials });
      await eventually(async () => received.length, (n) => n === 1);
      expect(received[0].headers.authorization).toBe(`Basic ${Buffer.from('hook-user:s@cret').toString('base64')}`);
      expect(JSON.stringify((await kiln.http().get(`/jobs/${done.body.id}`)).body)).not.toContain('cret');
    } finally {
      server.close();
    }
  });

  it('a coordinator that fails just after a job ended still sends its webhook: the retried event finishes the end', async () => {
    const dispatcher = kiln.coordinator!.get(WebhookDispatcher, { strict: false });
    const dispatch = dispatcher.dispatch;
    let calls = 0;
    dispatcher.dispatch = async function (...args) {
      if (++calls === 1) throw new Error('the coordinator stopped here');
      return dispatch.apply(this, args);
    };
    const { server, url, received } = await receiver(204);
    try {
      // The end itself (state, log, the waiters' wake-up) is one step of the store, done before the failure.
      const done = await kiln.http().post('/execute').send({ language: 'python', code: 'out late', webhook: url });
      expect(done.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'late\n' } });
      await eventually(async () => received.length, (n) => n === 1, 15_000);
      expect(JSON.parse(received[0].body)).toMatchObject({ id: done.body.id, state: 'COMPLETED', verdict: 'OK' });
      expect(calls).toBe(2);
      expect(await kiln.redis.hget(new RedisKeys(kiln.prefix).job(done.body.id), 'announced')).toBe('1');
      await remains(async () => received.length, (n) => n === 1, 1000, 'one delivery and no more');
    } finally {
      dispatcher.dispatch = dispatch;
      server.close();
    }
  });

  it('retries a failing endpoint, then gives up; the job is unaffected', async () => {
    const { server, url, received } = await receiver(500);
    try {
      const done = await kiln.http().post('/execute').send({ language: 'python', code: 'out 1', webhook: url });
      expect(done.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK' });
      await eventually(async () => received.length, (n) => n === 3, 10_000);
      // Given up after the third attempt: no fourth comes.
      await remains(async () => received.length, (n) => n === 3, 1000, 'three deliveries and no more');
      expect((await kiln.http().get(`/jobs/${done.body.id}`)).body).toMatchObject({ state: 'COMPLETED', verdict: 'OK' });
    } finally {
      server.close();
    }
  });
});

/** Issue 12: a slow receiver holds a delivery slot for timeoutMs at most, and one key's receivers never hold them all. */
describe('webhook delivery slots', () => {
  const KEYS = { a: 'key-a-for-webhook-slots', b: 'key-b-for-webhook-slots' };
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({
      runtime: scriptedRuntime(),
      env: {
        KILN_COORDINATOR__AUTH__MODE: 'on',
        KILN_COORDINATOR__AUTH__KEYS: `${KEYS.a},${KEYS.b}`,
        KILN_COORDINATOR__WEBHOOKS__SECRET: SECRET,
        KILN_COORDINATOR__WEBHOOKS__ALLOW_PRIVATE: 'true',
        KILN_COORDINATOR__WEBHOOKS__ATTEMPTS: '1',
        KILN_COORDINATOR__WEBHOOKS__TIMEOUT_MS: '5000',
        KILN_COORDINATOR__WEBHOOKS__CONCURRENCY: '2',
        KILN_COORDINATOR__WEBHOOKS__PER_KEY_CONCURRENCY: '1',
      },
    });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  const submit = (key: string, webhook: string) =>
    kiln.http().post('/jobs').set('X-Kiln-Key', key).send({ language: 'python', code: 'out 1', webhook });

  it('cuts a receiver that trickles its answer at the total deadline (timeoutMs), not at an idle timeout', async () => {
    // One byte a second: an idle timeout of any length above a second would never fire.
    const receiver = await tricklingReceiver(1000);
    try {
      expect((await submit(KEYS.a, receiver.url)).status).toBe(202);
      const [connection] = await eventually(async () => receiver.connections, (list) => list.length === 1 && list[0].closedAt !== undefined, 20_000);
      const heldMs = connection.closedAt! - connection.openedAt;
      expect(heldMs).toBeGreaterThanOrEqual(4500);
      expect(heldMs).toBeLessThan(12_000);
    } finally {
      receiver.close();
    }
  });

  it('lets another key’s webhook through while one key’s receivers hang, holding one slot at a time', async () => {
    const hanging = await silentReceiver();
    const answering = await receiver(204);
    try {
      for (let i = 0; i < 3; i++) expect((await submit(KEYS.a, hanging.url)).status).toBe(202);
      await eventually(async () => hanging.state.seen, (seen) => seen >= 1, 20_000);
      const other = await submit(KEYS.b, answering.url);
      expect(other.status).toBe(202);
      await eventually(async () => answering.received.length, (n) => n === 1, 15_000);
      expect(JSON.parse(answering.received[0].body)).toMatchObject({ id: other.body.id, state: 'COMPLETED' });
      // Every delivery of key A waited for A's one slot; they all still come, one after another.
      await eventually(async () => hanging.state.seen, (seen) => seen === 3, 30_000);
      expect(hanging.state.mostAtOnce).toBe(1);
    } finally {
      hanging.close();
      answering.server.close();
    }
  });
});

describe('webhook SSRF guard', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__WEBHOOKS__SECRET: SECRET } });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  // Loopback only: the other special-purpose ranges are the address policy's unit test (no packet is ever sent).
  it.each(['http://127.0.0.1:9/hook', 'http://localhost/hook', 'http://[::1]/x'])(
    'refuses %s with 400 naming the webhook field',
    async (webhook) => {
      const response = await kiln.http().post('/jobs').send({ language: 'python', code: 'print(1)', webhook });
      expect(response.status).toBe(400);
      expect(response.body.details).toEqual([{ field: 'webhook', message: expect.stringContaining('may not reach: loopback') }]);
    },
  );

  it('names the host it refuses, not the address the name resolved to', async () => {
    const response = await kiln.http().post('/jobs').send({ language: 'python', code: 'print(1)', webhook: 'http://localhost:9/hook' });
    expect(response.body.details[0].message).toMatch(/^localhost resolves to an address webhooks may not reach: loopback/);
    expect(response.body.details[0].message).not.toMatch(/127\.0\.0\.1|::1/);
  });

  it('refuses webhooks when no secret is configured', async () => {
    const plain = await startKiln({ worker: false });
    try {
      const response = await plain.http().post('/jobs').send({ language: 'python', code: 'print(1)', webhook: 'https://hooks.kiln.test/hook' });
      expect(response.status).toBe(400);
      expect(response.body.details[0]).toEqual({ field: 'webhook', message: expect.stringContaining('webhooks are off') });
    } finally {
      await plain.close();
    }
  });
});
