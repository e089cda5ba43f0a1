import { createHash } from 'node:crypto';
import { Harness, startKiln } from '../support/kiln-harness';

/** Issue 8: share links are stored snippets, immutable, bounded in size and kept for the configured time. */
describe('POST /snippets, GET /snippets/:id', () => {
  let kiln: Harness;
  const retentionSeconds = 7200;

  beforeAll(async () => {
    kiln = await startKiln({
      worker: false,
      env: { KILN_SNIPPETS__RETENTION_SECONDS: String(retentionSeconds), KILN_SNIPPETS__MAX_BYTES: '4096' },
    });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  const snippet = {
    language: 'py',
    code: 'print(input())',
    stdin: 'hi',
    args: ['a b', '$(id)'],
  };

  it('stores a snippet under a short unguessable id and answers it back, language resolved', async () => {
    const created = await kiln.http().post('/snippets').send(snippet);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/), url: `/s/${created.body.id}`, expiresAt: expect.any(String) });
    const read = await kiln.http().get(`/snippets/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ ...snippet, language: 'python', id: created.body.id, createdAt: expect.any(String), expiresAt: created.body.expiresAt });
  });

  it('keeps test cases and files as sent', async () => {
    const withTests = {
      language: 'c',
      files: [
        { name: 'main.c', content: '#include "sum.h"\nint main(){return 0;}' },
        { name: 'sum.h', content: 'int x;' },
      ],
      tests: [{ stdin: '1 2', expected: '3' }, { stdin: '2 2' }],
    };
    const created = await kiln.http().post('/snippets').send(withTests);
    expect(created.status).toBe(201);
    expect((await kiln.http().get(`/snippets/${created.body.id}`)).body).toMatchObject(withTests);
  });

  it('expires by snippets.retentionSeconds', async () => {
    const created = await kiln.http().post('/snippets').send(snippet);
    const ttl = await kiln.redis.ttl(`${kiln.prefix}:snippet:${created.body.id}`);
    expect(ttl).toBeGreaterThan(retentionSeconds - 60);
    expect(ttl).toBeLessThanOrEqual(retentionSeconds);
    const expiresIn = Date.parse(created.body.expiresAt) - Date.now();
    expect(Math.abs(expiresIn - retentionSeconds * 1000)).toBeLessThan(60_000);
  });

  it('every share is a new snippet: the same content twice gives two ids', async () => {
    const first = await kiln.http().post('/snippets').send(snippet);
    const second = await kiln.http().post('/snippets').send({ ...snippet, code: 'print("fork")' });
    expect(second.body.id).not.toBe(first.body.id);
    expect((await kiln.http().get(`/snippets/${first.body.id}`)).body.code).toBe(snippet.code);
  });

  it('refuses a snippet above snippets.maxBytes with 413 and a message saying the limit', async () => {
    const answer = await kiln.http().post('/snippets').send({ language: 'python', code: 'x'.repeat(5000) });
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatch(/snippet too large: \d+ bytes, at most 4096/);
    expect(answer.body.details).toEqual([{ field: 'body', message: expect.stringContaining('at most 4096') }]);
  });

  it('refuses what could not run, naming the field', async () => {
    const cases: [object, string][] = [
      [{ language: 'cobol', code: 'x' }, 'language'],
      [{ language: 'python' }, 'code'],
      [{ language: 'python', files: [{ name: '../etc/passwd', content: 'x' }] }, 'files[0].name'],
      [{ language: 'python', code: 'x', stdin: '1', tests: [{ stdin: '2' }] }, 'stdin'],
      [{ language: 'python', code: 'x', limits: { timeoutMs: 1 } }, 'limits'],
      [{ language: 'python', code: 'x', args: [1] }, 'args'],
    ];
    for (const [body, field] of cases) {
      const answer = await kiln.http().post('/snippets').send(body);
      expect({ body, status: answer.status }).toEqual({ body, status: 400 });
      expect(answer.body.details.map((d: { field: string }) => d.field)).toContain(field);
    }
  });

  it('answers 404 for an unknown or malformed id', async () => {
    for (const id of ['AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAA', 'x', '..%2F..%2Fjob']) {
      const answer = await kiln.http().get(`/snippets/${id}`);
      expect(answer.status).toBe(404);
      expect(answer.body.error).toMatch(/no snippet with id/);
    }
  });
});

describe('snippets.quotaBytesPerKey', () => {
  let kiln: Harness;
  const keyA = 'snippet-quota-key-a-0001';
  const keyB = 'snippet-quota-key-b-0002';

  beforeAll(async () => {
    kiln = await startKiln({
      worker: false,
      env: {
        KILN_COORDINATOR__AUTH__MODE: 'on',
        KILN_COORDINATOR__AUTH__KEYS: `${keyA},${keyB}`,
        KILN_SNIPPETS__QUOTA_BYTES_PER_KEY: '4096',
      },
    });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  const share = (key: string, code: string) => kiln.http().post('/snippets').set('X-Kiln-Key', key).send({ language: 'python', code });

  it('refuses a key past its quota with 429, saying the quota and when room comes back; other keys are not affected', async () => {
    const code = 'x'.repeat(800);
    const stored: string[] = [];
    let refused;
    for (let i = 0; i < 10; i++) {
      const answer = await share(keyA, code);
      if (answer.status !== 201) {
        refused = answer;
        break;
      }
      stored.push(answer.body.id);
    }
    // Each snippet counts its JSON (about 920 bytes here) plus 256: three fit in 4096, a fourth does not.
    expect(stored).toHaveLength(3);
    expect(refused!.status).toBe(429);
    expect(refused!.body.error).toMatch(/snippet quota full: this key's snippets take \d+ bytes of its 4096 \(snippets.quotaBytesPerKey\)/);
    expect(refused!.body.details).toEqual([{ field: 'body', message: expect.stringContaining('4096') }]);
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThan(0);
    expect((await share(keyB, code)).status).toBe(201);
    // What is stored stays readable; nothing was overwritten or dropped.
    for (const id of stored) expect((await kiln.http().get(`/snippets/${id}`).set('X-Kiln-Key', keyB)).body.code).toBe(code);
  });

  it('gives the room back as the snippets expire', async () => {
    // Key A's quota, named by its key id (the start of its SHA-256, see ApiKeys).
    const quota = `${kiln.prefix}:snippet-quota:${createHash('sha256').update(keyA).digest('hex').slice(0, 24)}`;
    const before = Number(await kiln.redis.get(`${quota}:bytes`));
    // As if the oldest of key A's snippets had reached its expiry.
    const [oldest] = await kiln.redis.zrange(quota, 0, 0);
    await kiln.redis.zadd(quota, 1, oldest);
    expect((await share(keyA, 'x'.repeat(800))).status).toBe(201);
    expect(Number(await kiln.redis.get(`${quota}:bytes`))).toBe(before);
  });
});

describe('endpoint groups playground and snippets', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({
      worker: false,
      env: { KILN_COORDINATOR__API__ENDPOINTS__PLAYGROUND: 'false', KILN_COORDINATOR__API__ENDPOINTS__SNIPPETS: 'false' },
    });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('switched off, they answer 404 as if they did not exist; the API goes on', async () => {
    for (const path of ['/', '/s/AAAAAAAAAAAAAAAA', '/assets/index.js', '/snippets/AAAAAAAAAAAAAAAA']) {
      expect({ path, status: (await kiln.http().get(path)).status }).toEqual({ path, status: 404 });
    }
    expect((await kiln.http().post('/snippets').send({ language: 'python', code: 'print(1)' })).status).toBe(404);
    expect((await kiln.http().get('/languages')).status).toBe(200);
  });
});
