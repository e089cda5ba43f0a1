import { createHmac } from 'node:crypto';
import http from 'node:http';
import { Harness, eventually, startKiln } from '../support/kiln-harness';

const SECRET = 'webhook-secret-for-tests';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

function receiver(status: number): Promise<{ server: http.Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(status).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, received })),
  );
}

/** Issue 6, acceptance 5: signed webhooks, retried, given up, never affecting the job; SSRF refused. */
describe('webhooks', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({
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
      const done = await kiln.http().post('/execute').send({ language: 'python', code: 'print("hooked")', webhook: url });
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

  it('retries a failing endpoint, then gives up; the job is unaffected', async () => {
    const { server, url, received } = await receiver(500);
    try {
      const done = await kiln.http().post('/execute').send({ language: 'python', code: 'print(1)', webhook: url });
      expect(done.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK' });
      await eventually(async () => received.length, (n) => n === 3, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(received).toHaveLength(3);
      expect((await kiln.http().get(`/jobs/${done.body.id}`)).body).toMatchObject({ state: 'COMPLETED', verdict: 'OK' });
    } finally {
      server.close();
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
  it.each(['http://127.0.0.1:9/hook', 'http://localhost/hook', 'http://[::1]/x', 'http://[::ffff:127.0.0.1]/x'])(
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
