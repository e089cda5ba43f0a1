import { AddressInfo } from 'node:net';
import { GREETER, InteractiveClient } from '../support/interactive-client';
import { Harness, startKiln } from '../support/kiln-harness';

/**
 * Issue 17, acceptance 1: interactive runs over the native WebSocket, against
 * the real engine: output arrives as it is written, stdin while the program
 * runs, signals reach it, and a quiet client is ended by the job's own limit.
 */
describe('interactive runs (native WebSocket, Docker)', () => {
  let kiln: Harness;
  let url: string;

  beforeAll(async () => {
    kiln = await startKiln({ env: { KILN_WORKER__CONCURRENCY: '2' } });
    await kiln.coordinator!.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(kiln.coordinator!.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('a Python program’s prompt arrives before any stdin is sent, the greeting after; the job ends as GET /jobs/:id answers it', async () => {
    const client = await InteractiveClient.connect(url);
    client.send({ type: 'start', job: { language: 'python', code: GREETER } });
    const { id } = await client.next('job', 30_000);
    await client.until(() => client.text() === 'name? ', 30_000, 'the prompt');
    // Nothing was sent yet: the program is waiting, prompt shown, no greeting.
    expect(client.messages.map((m) => m.type)).toEqual(['job', 'stage', 'data']);
    expect(client.messages[1]).toEqual({ type: 'stage', stage: 'run' });
    client.send({ type: 'stdin', data: 'Ada\n' });
    const done = await client.next('done', 30_000);
    expect(client.text()).toBe('name? hello, Ada\n');
    expect(client.messages.find((m) => m.type === 'exit')).toEqual({ type: 'exit', stage: 'run', code: 0, signal: null, status: 'OK' });
    expect(done.job).toMatchObject({ id, state: 'COMPLETED', verdict: 'OK', run: { stdout: 'name? hello, Ada\n', exitCode: 0 } });
    expect((await client.closedWithin(5000)).code).toBe(1000);
    // A normal job: recorded, with the same answer.
    const polled = await kiln.http().get(`/jobs/${id}`);
    expect(polled.status).toBe(200);
    // The same job (its cleanup task may have moved on since).
    const withoutTasks = ({ tasks: _tasks, ...job }: Record<string, unknown>) => job;
    expect(withoutTasks(polled.body)).toEqual(withoutTasks(done.job as Record<string, unknown>));
  });

  it('stdin end-of-file reaches the running program', async () => {
    const client = await InteractiveClient.connect(url);
    client.send({ type: 'start', job: { language: 'python', code: 'import sys\nprint("ready", flush=True)\nprint(len(sys.stdin.read()))' } });
    await client.until(() => client.text() === 'ready\n', 30_000, 'ready');
    client.send({ type: 'stdin', data: 'abc' });
    client.send({ type: 'stdin', data: 'de' });
    client.send({ type: 'eof' });
    const done = await client.next('done', 30_000);
    expect(client.text()).toBe('ready\n5\n');
    expect(done.job).toMatchObject({ verdict: 'OK' });
  });

  it('a signal ends a sleeping program with the signal and RUNTIME_ERROR', async () => {
    const client = await InteractiveClient.connect(url);
    client.send({ type: 'start', job: { language: 'bash', code: 'echo sleeping; sleep 30', limits: { timeoutMs: 20_000 } } });
    await client.until(() => client.text() === 'sleeping\n', 30_000, 'the program to start');
    const sent = Date.now();
    client.send({ type: 'signal', signal: 'SIGTERM' });
    const done = await client.next('done', 30_000);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(client.messages.find((m) => m.type === 'exit')).toMatchObject({ stage: 'run', code: null, signal: 'SIGTERM', status: 'RUNTIME_ERROR' });
    expect(done.job).toMatchObject({ state: 'COMPLETED', verdict: 'RUNTIME_ERROR', run: { signal: 'SIGTERM' } });
  });

  it('a client that goes quiet is ended by the job’s own time limit', async () => {
    const client = await InteractiveClient.connect(url);
    const started = Date.now();
    client.send({ type: 'start', job: { language: 'python', code: GREETER, limits: { timeoutMs: 2000 } } });
    const done = await client.next('done', 30_000);
    expect(done.job).toMatchObject({ state: 'COMPLETED', verdict: 'TIMEOUT', run: { stdout: 'name? ' } });
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
