import http from 'node:http';
import { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { JsonFuzzer, seededRandom } from '../support/json-fuzz';
import { Harness, startKiln } from '../support/kiln-harness';
import { BASES, SEEDS, shapeProblem, Target } from '../support/request-fuzz';

const DEEP_ARRAYS = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
const DEEP_OBJECTS = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
const DEPTH_ERROR = 'JSON body nested too deeply: at most 32 levels of objects and arrays';

/** Each API's own error shape for a refused body: Kiln's `{error, details}`, Piston's `{message}`, Judge0's `{error}`, MCP's JSON-RPC error. */
const ROUTES = [
  { path: '/jobs', shape: 'native' },
  { path: '/execute', shape: 'native' },
  { path: '/snippets', shape: 'native' },
  { path: '/mcp', shape: 'mcp' },
  { path: '/api/v2/execute', shape: 'piston' },
  { path: '/judge0/submissions', shape: 'judge0' },
  { path: '/judge0/submissions/batch', shape: 'judge0' },
] as const;

type Shape = (typeof ROUTES)[number]['shape'];

function expectRefusal(answer: { status: number; body: any }, shape: Shape, error: string, field: string, message: string) {
  expect(answer.status).toBe(400);
  if (shape === 'native') expect(answer.body).toEqual({ error, details: [{ field, message }] });
  if (shape === 'piston') expect(answer.body).toEqual({ message: `${field}: ${message}` });
  if (shape === 'judge0') expect(answer.body).toEqual({ error });
  if (shape === 'mcp') expect(answer.body).toEqual({ jsonrpc: '2.0', error: { code: -32600, message: `Invalid Request: ${error} (${field}: ${message})` }, id: null });
}

/** Issue 12, acceptance 6: deep JSON and prototype keys are 400 naming the problem on every route that takes a body, never 500. */
describe('hostile JSON bodies', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ worker: false });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  const post = (path: string, body: string, type = 'application/json') => kiln.http().post(path).set('content-type', type).send(body);

  describe.each(ROUTES)('$path', ({ path, shape }) => {
    it.each([
      ['`[` × 100000 then `]` × 100000', DEEP_ARRAYS],
      ['objects 50000 deep', DEEP_OBJECTS],
      ['33 levels inside a valid request', `{"language": "python", "code": "x", "args": ${'['.repeat(32)}${']'.repeat(32)}}`],
    ])('%s → 400 naming the nesting', async (_name, body) => {
      expectRefusal(await post(path, body), shape, DEPTH_ERROR, 'body', 'nested deeper than 32 levels');
    });

    it.each([
      ['{"__proto__": {"privileged": true}, "language": "python", "code": "x"}', '__proto__', '__proto__'],
      ['{"language": "python", "code": "x", "constructor": {"prototype": {"privileged": true}}}', 'constructor', 'constructor'],
      ['{"language": "python", "code": "x", "limits": {"__proto__": {"timeoutMs": 1}}}', 'limits.__proto__', '__proto__'],
      ['{"language": "python", "files": [{"name": "a.py", "content": "x", "prototype": 1}]}', 'files[0].prototype', 'prototype'],
      ['{"submissions": [{"language_id": 71, "source_code": {"toString": 1}}]}', 'submissions[0].source_code.toString', 'toString'],
    ])('%s → 400 naming %s', async (body, field, key) => {
      expectRefusal(await post(path, body), shape, `forbidden key in JSON body: "${key}"`, field, `the key "${key}" is not allowed (it names an object's prototype or one of its members)`);
    });
  });

  it("Piston's text/plain JSON gets the same protection", async () => {
    expect((await post('/api/v2/execute', DEEP_ARRAYS, 'text/plain')).body).toEqual({ message: 'body: nested deeper than 32 levels' });
    expect((await post('/api/v2/execute', '{"language": "python", "__proto__": {}}', 'text/plain')).body).toEqual({
      message: `__proto__: the key "__proto__" is not allowed (it names an object's prototype or one of its members)`,
    });
  });

  it('a Judge0 attribute that is an object or an array is absent (as Rails permits only scalars): 422, never 500', async () => {
    const answer = await post('/judge0/submissions', JSON.stringify({ language_id: 71, source_code: { a: 1 }, stdin: ['x'], redirect_stderr_to_stdout: {} }));
    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({ source_code: ["can't be blank"] });
  });

  it('an ordinary request still passes the body checks (503 only because no worker runs here)', async () => {
    const answer = await post('/jobs', JSON.stringify({ language: 'python', code: 'print("__proto__ constructor prototype")', args: ['constructor'] }));
    expect(answer.status).toBe(503);
    expect(answer.body.error).toContain('no worker');
  });

  it('an unknown charset or content encoding is 415 naming the header', async () => {
    const body = JSON.stringify({ language: 'python', code: 'print(1)' });
    const charset = await post('/jobs', body, 'application/json; charset=x-kiln');
    expect(charset.status).toBe(415);
    expect(charset.body.details).toEqual([{ field: 'content-type', message: 'unsupported charset "X-KILN"' }]);
    const encoding = await post('/jobs', body).set('content-encoding', 'x-kiln');
    expect(encoding.status).toBe(415);
    expect(encoding.body.details).toEqual([{ field: 'content-encoding', message: expect.stringContaining('x-kiln') }]);
  });

  it('a compressed body is bounded once inflated: 8 MiB in 8 KiB of gzip → 413', async () => {
    const bomb = gzipSync(JSON.stringify({ language: 'python', code: ' '.repeat(8 << 20) }));
    expect(bomb.length).toBeLessThan(64 << 10);
    // Plain node:http: superagent mangles a gzip-encoded request body.
    await kiln.coordinator!.listen(0, '127.0.0.1');
    const { port } = kiln.coordinator!.getHttpServer().address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bomb.length };
      const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/jobs', headers }, (response) => {
        response.resume().on('end', () => resolve(response.statusCode ?? 0));
      });
      request.on('error', reject);
      request.end(bomb);
    });
    expect(status).toBe(413);
  });

  it('a URL that does not decode is a 400, not a 500', async () => {
    for (const path of ['/jobs/%E0', '/jobs/%E0/events', '/judge0/submissions/%E0', '/snippets/%ZZ']) {
      const answer = await kiln.http().get(path);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: expect.stringContaining('Failed to decode param') });
    }
  });

  describe('fuzz over HTTP (seeds in test/support/request-fuzz-seeds.json)', () => {
    const PATHS: Record<Target, string> = {
      native: '/jobs',
      snippet: '/snippets',
      piston: '/api/v2/execute',
      judge0: '/judge0/submissions',
      'judge0-batch': '/judge0/submissions/batch',
      session: '/sessions',
      // No such session: a body that passes its checks is a 404 (the checks come first).
      'session-run': '/sessions/AAAAAAAAAAAAAAAAAAAAAA/run',
    };
    const TYPES = ['application/json', 'application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.kiln+json'];
    const targets = Object.keys(BASES) as Target[];

    it.each(SEEDS.httpSeeds)('seed %i: every mutated body is answered 2xx or 4xx in its API\'s shape', async (seed) => {
      const fuzz = new JsonFuzzer(seededRandom(seed));
      const problems: string[] = [];
      for (let i = 0; i < SEEDS.httpCasesPerSeed; i++) {
        const target = targets[i % targets.length];
        const text = fuzz.text(fuzz.mutate(fuzz.pick(BASES[target])));
        const type = fuzz.pick(TYPES);
        const query = fuzz.chance(0.3) ? '?base64_encoded=true' : '';
        const answer = await post(`${PATHS[target]}${query}`, text, type);
        // With no worker here, a body that passed every check ends as 503 "no worker": that is acceptance, not a failure.
        const accepted = answer.status === 503 && /no worker/.test(JSON.stringify(answer.body));
        const problem = answer.type !== 'application/json' ? `content-type ${answer.type}` : shapeProblem(target, accepted ? { status: 202, body: null } : answer);
        if (problem) problems.push(`seed ${seed} case ${i} ${target} (${type}): ${problem}: ${JSON.stringify(answer.body).slice(0, 300)} ← ${text.slice(0, 300)}`);
      }
      expect(problems).toEqual([]);
    });
  });
});
