import { Harness, startKiln } from '../support/kiln-harness';

const SECRET = 'webhook-secret-for-tests';

/** Issue 6, acceptance 5, refused at the API: webhooks to loopback, and webhooks with no secret (delivery: webhooks.e2e-spec.ts). */
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
