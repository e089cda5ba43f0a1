import { WebSocket } from 'ws';
import { InteractiveClient } from '../support/interactive-client';
import { Harness, startKiln } from '../support/kiln-harness';
import { script, scriptedRuntime } from '../support/scripted-programs';
import { eventually } from '../support/waiting';

const KEY = 'interactive-test-key-0123456789';

/**
 * The native interactive endpoint's protocol with scripted sandboxes (the
 * live stdin path itself is the system tier's, interactive.e2e-spec.ts):
 * the run's events in order, every bad message answered with an error that
 * says what and a close, keys from the upgrade or the first message, a
 * client that leaves cancels its job, and the coordinator keeps serving.
 */
describe('interactive WebSocket protocol (scripted sandboxes)', () => {
  let kiln: Harness;
  let base: string;

  beforeAll(async () => {
    kiln = await startKiln({
      // A kill takes as long as a container's might: a cancelled job's task records its end after the job's.
      runtime: scriptedRuntime({ killDelayMs: 300 }),
      env: { KILN_COORDINATOR__AUTH__MODE: 'on', KILN_COORDINATOR__AUTH__KEYS: KEY, KILN_COORDINATOR__INTERACTIVE__START_TIMEOUT_MS: '500' },
    });
    await kiln.coordinator!.listen(0, '127.0.0.1');
    base = await kiln.coordinator!.getUrl();
  });

  afterAll(async () => {
    await kiln?.close();
  });

  const withKey = { 'X-Kiln-Key': KEY };

  /** The error the endpoint sent, and how it closed. */
  async function refusal(client: InteractiveClient): Promise<{ error: unknown; code: number; message: Record<string, unknown> }> {
    const { code } = await client.closedWithin(5000);
    const message = client.messages.find((m) => m.type === 'error');
    return { error: message?.error, code, message: message ?? {} };
  }

  it('runs a job: job, stage, data, exit, then done (the job as GET /jobs/:id answers it) and close 1000', async () => {
    const client = await InteractiveClient.connect(base, withKey);
    client.send({ type: 'start', job: { language: 'python', code: script('out hello', 'err oops', 'exit 4') } });
    const done = await client.next('done', 10_000);
    expect(client.messages.map((m) => m.type)).toEqual(['job', 'stage', ...client.messages.slice(2, -2).map(() => 'data'), 'exit', 'done']);
    expect(client.text('stdout')).toBe('hello\n');
    expect(client.text('stderr')).toBe('oops\n');
    expect(client.messages.find((m) => m.type === 'exit')).toEqual({ type: 'exit', stage: 'run', code: 4, signal: null, status: 'RUNTIME_ERROR' });
    expect(done.job).toMatchObject({ id: client.messages[0].id, state: 'COMPLETED', verdict: 'RUNTIME_ERROR' });
    expect((await client.closedWithin(5000)).code).toBe(1000);
    const polled = await kiln.http().get(`/jobs/${done.job && (done.job as { id: string }).id}`).set(withKey);
    expect(polled.body).toMatchObject({ state: 'COMPLETED', verdict: 'RUNTIME_ERROR', run: { stdout: 'hello\n', exitCode: 4 } });
  });

  it('sends the stage again when its worker was lost and it runs again, before the new attempt’s data', async () => {
    const client = await InteractiveClient.connect(base, withKey);
    // The first attempt prints, then fails as Kiln's failure (BullMQ retries it: coordinator.taskAttempts is 3).
    client.send({ type: 'start', job: { language: 'python', code: script('out one', 'sleep 200', 'lose-worker-once', 'out two') } });
    await client.next('done', 15_000);
    // What each stage message was followed by (data may come in several chunks).
    const afterEachStage: string[] = [];
    for (const message of client.messages) {
      if (message.type === 'stage') afterEachStage.push('');
      else if (message.type === 'data') afterEachStage[afterEachStage.length - 1] += message.data;
    }
    expect(afterEachStage).toEqual(['one\n', 'one\ntwo\n']);
    expect(client.messages.filter((m) => m.type === 'exit')).toHaveLength(1);
  });

  it('takes the key from the start message (browsers cannot set headers on a WebSocket)', async () => {
    const client = await InteractiveClient.connect(base);
    client.send({ type: 'start', key: KEY, job: { language: 'python', code: script('out hi') } });
    expect((await client.next('done', 10_000)).job).toMatchObject({ verdict: 'OK' });
  });

  it.each([
    ['no key', {}, { type: 'start', job: { language: 'python', code: 'x' } }, /an API key is required/],
    ['an unknown key', {}, { type: 'start', key: 'not-a-configured-key-at-all', job: { language: 'python', code: 'x' } }, /unknown API key/],
  ])('refuses %s with 4401', async (_name, headers, start, pattern) => {
    const client = await InteractiveClient.connect(base, headers);
    client.send(start);
    const { error, code } = await refusal(client);
    expect(code).toBe(4401);
    expect(error).toMatch(pattern);
  });

  it.each([
    ['text that is not JSON', 'hello', /not JSON/],
    ['a JSON array', '[1,2]', /must be a JSON object/],
    ['an unknown type', JSON.stringify({ type: 'launch' }), /unknown message type "launch"/],
    ['stdin before start', JSON.stringify({ type: 'stdin', data: 'x' }), /before the job was started/],
    ['a start without a job', JSON.stringify({ type: 'start' }), /"job" .* is missing/],
    ['a start whose key is no string', JSON.stringify({ type: 'start', key: 5, job: {} }), /"key" must be a string/],
  ])('answers %s with an error naming it, then closes 4400', async (_name, raw, pattern) => {
    const client = await InteractiveClient.connect(base, withKey);
    client.send(raw);
    const { error, code } = await refusal(client);
    expect(code).toBe(4400);
    expect(error).toMatch(pattern);
  });

  it('answers a binary message with an error and 4400', async () => {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/interactive`, { headers: withKey });
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    const messages: string[] = [];
    socket.on('message', (data) => messages.push(data.toString()));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await closed).toBe(4400);
    expect(JSON.parse(messages[0])).toMatchObject({ type: 'error', error: expect.stringMatching(/not binary/) });
  });

  it('answers an invalid job request as POST /jobs would (400: field details), with 4400', async () => {
    const client = await InteractiveClient.connect(base, withKey);
    client.send({ type: 'start', job: { language: 'cobol-77', code: 'x', bogus: 1 } });
    const { code, message } = await refusal(client);
    expect(code).toBe(4400);
    expect(message).toMatchObject({ error: 'invalid request', details: expect.arrayContaining([expect.objectContaining({ field: 'bogus' })]) });
  });

  it('refuses a job with tests: an interactive job runs once', async () => {
    const client = await InteractiveClient.connect(base, withKey);
    client.send({ type: 'start', job: { language: 'python', code: 'x', tests: [{ stdin: '1', expected: '1' }] } });
    const { code, message } = await refusal(client);
    expect(code).toBe(4400);
    expect(message.details).toEqual([{ field: 'interactive', message: expect.stringMatching(/no tests or checker/) }]);
  });

  it('refuses an unknown signal (4400, code bad_signal) and a second start', async () => {
    const first = await InteractiveClient.connect(base, withKey);
    first.send({ type: 'start', job: { language: 'python', code: script('sleep 5000') } });
    await first.next('job', 10_000);
    first.send({ type: 'signal', signal: 'SIGNOPE' });
    expect(await refusal(first)).toMatchObject({ code: 4400, message: { code: 'bad_signal', error: 'unknown signal "SIGNOPE"' } });
    const second = await InteractiveClient.connect(base, withKey);
    second.send({ type: 'start', job: { language: 'python', code: script('sleep 5000') } });
    await second.next('job', 10_000);
    second.send({ type: 'start', job: { language: 'python', code: 'x' } });
    expect(await refusal(second)).toMatchObject({ code: 4400, error: 'the job was already started' });
  });

  it('closes 4408 a socket that sends no start in time', async () => {
    const client = await InteractiveClient.connect(base, withKey);
    const { code, error } = await refusal(client);
    expect(code).toBe(4408);
    expect(error).toMatch(/no start message within 500 ms/);
  });

  it('a client that leaves before the end cancels its job', async () => {
    const client = await InteractiveClient.connect(base, withKey);
    client.send({ type: 'start', job: { language: 'python', code: script('out started', 'sleep 30000') } });
    const { id } = await client.next('job', 10_000);
    await client.until(() => client.text() === 'started\n', 10_000, 'the program to start');
    client.close();
    await eventually(
      () => kiln.http().get(`/jobs/${id}`).set(withKey).then((r) => r.body.state),
      (state) => state === 'CANCELLED',
      10_000,
      'the job to be cancelled',
    );
  });

  it('a cancel ends the run with done: the job CANCELLED, its run task CANCELLED, as GET answers it after', async () => {
    const client = await InteractiveClient.connect(base, withKey);
    client.send({ type: 'start', job: { language: 'python', code: script('out started', 'sleep 30000') } });
    const { id } = await client.next('job', 10_000);
    await client.until(() => client.text() === 'started\n', 10_000, 'the program to start');
    client.send({ type: 'cancel' });
    const { job } = (await client.next('done', 10_000)) as unknown as { job: { tasks: { id: string; state: string }[] } };
    // The job ends at once; its running task records CANCELLED when the worker has killed it.
    expect(job).toMatchObject({ id, state: 'CANCELLED' });
    expect(job.tasks.find((task) => task.id === 'run')?.state).toBe('CANCELLED');
    const polled = await kiln.http().get(`/jobs/${id}`).set(withKey);
    expect(polled.body.tasks.find((task: { id: string }) => task.id === 'run')).toEqual(job.tasks.find((task) => task.id === 'run'));
  });

  it('answers an upgrade to a path with no WebSocket endpoint 404, and keeps serving', async () => {
    await expect(InteractiveClient.connect(base, withKey, '/nowhere')).rejects.toThrow(/answered 404/);
    const health = await kiln.http().get('/health');
    expect(health.status).toBeLessThan(500);
  });
});
