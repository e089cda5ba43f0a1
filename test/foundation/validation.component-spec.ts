import { Queue } from 'bullmq';
import { taskQueueName } from '@kiln/store';
import { Harness, startKiln } from '../support/kiln-harness';
import { TEST_REDIS_URL } from '../support/environment';

/** Foundation acceptance 7: bad input gets a clear error naming the field, and enqueues nothing. */
describe('invalid requests', () => {
  let kiln: Harness;
  let queue: Queue;

  beforeAll(async () => {
    kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__BODY_LIMIT_BYTES: '65536' } });
    queue = new Queue(taskQueueName('default'), { connection: { url: TEST_REDIS_URL } as never, prefix: kiln.prefix });
  });

  afterAll(async () => {
    await queue?.close();
    await kiln?.close();
  });

  afterEach(async () => {
    const counts = await queue.getJobCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  });

  const fieldsOf = (body: { details?: { field: string }[] }) => (body.details ?? []).map((d) => d.field);

  it.each([
    ['/execute', { language: 'cobol', code: 'x' }, ['language']],
    ['/jobs', { language: 'python', files: [{ name: '../x', content: 'x' }] }, ['files[0].name']],
    ['/execute', { language: 'python', files: [{ name: '/etc/passwd', content: 'x' }] }, ['files[0].name']],
    ['/execute', { language: 'python', files: [{ name: 'a\u0000b', content: 'x' }] }, ['files[0].name']],
    ['/execute', { language: 'python', code: 'x', limits: { timeoutMs: 999999, memoryMb: 4096 } }, ['limits.timeoutMs', 'limits.memoryMb']],
    ['/execute', { language: 'python', code: 'x', limits: { timeoutMs: 'soon' } }, ['limits.timeoutMs']],
    ['/execute', { language: 'python', code: 'x', limits: { jobOutputBytes: 16777217 } }, ['limits.jobOutputBytes']],
    ['/jobs', { language: 'python', code: 'x', limits: { jobOutputBytes: 100 } }, ['limits.jobOutputBytes']],
    ['/execute', { language: 'python' }, ['code']],
    ['/execute', { language: 'python', code: null }, ['code']],
    ['/jobs', { language: 'python', code: 'x', tests: [{ stdin: '1', expected: null }] }, ['tests[0].expected']],
    ['/execute', { language: 'python', code: 'x', colour: 'red' }, ['colour']],
    ['/execute', { language: 'python', code: 'x', args: ['a\u0000b'] }, ['args[0]']],
    ['/execute', { language: 'python', code: 'x', files: [{ name: 'main.py', content: 'y' }] }, ['files[0].name']],
    // Only the WebSocket that starts an interactive run can send its stdin (README, "Interactive runs").
    ['/execute', { language: 'python', code: 'x', interactive: true }, ['interactive']],
    ['/jobs', { language: 'python', code: 'x', interactive: true }, ['interactive']],
  ])('%s %j → 400 naming %j', async (path, body, fields) => {
    const response = await kiln.http().post(path).send(body);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid request');
    expect(fieldsOf(response.body)).toEqual(expect.arrayContaining(fields));
  });

  it('malformed JSON → 400', async () => {
    const response = await kiln.http().post('/execute').set('Content-Type', 'application/json').send('{"language": "python",');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'malformed JSON body', details: [{ field: 'body' }] });
  });

  it('a text/plain body → 415', async () => {
    const response = await kiln.http().post('/execute').set('Content-Type', 'text/plain').send('print(1)');
    expect(response.status).toBe(415);
    expect(response.body.details[0].field).toBe('content-type');
  });

  it('an oversized body → 413', async () => {
    const response = await kiln.http().post('/jobs').send({ language: 'python', code: 'x'.repeat(70_000) });
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: expect.stringContaining('too large'), details: [{ field: 'body' }] });
  });

  it('no worker alive → 503 with a clear message', async () => {
    const response = await kiln.http().post('/execute').send({ language: 'python', code: 'print(1)' });
    expect(response.status).toBe(503);
    expect(response.body.error).toContain('no worker');
  });

  it('an unknown route → 404 in the same shape', async () => {
    const response = await kiln.http().get('/nowhere');
    expect(response.status).toBe(404);
    expect(response.body.error).toEqual(expect.any(String));
  });
});
