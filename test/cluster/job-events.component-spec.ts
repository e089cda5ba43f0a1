import { Harness, startKiln } from '../support/kiln-harness';
import { script, scriptedRuntime } from '../support/scripted-programs';
import { readSse } from '../support/sse-client';

/** Issue 6, acceptance 4: live job events over SSE (the output of scripted programs, as it is written). */
describe('GET /jobs/:id/events (SSE)', () => {
  let kiln: Harness;
  let base: string;

  beforeAll(async () => {
    kiln = await startKiln({ runtime: scriptedRuntime() });
    await kiln.coordinator!.listen(0, '127.0.0.1');
    base = await kiln.coordinator!.getUrl();
  });

  afterAll(async () => {
    await kiln?.close();
  });

  const ticker = {
    language: 'python',
    code: script(...Array.from({ length: 10 }, (_, i) => [`out tick ${i}`, 'sleep 100']).flat()),
  };

  it('streams RUNNING, output chunks while the program runs, and the final state, in order', async () => {
    const accepted = await kiln.http().post('/jobs').send(ticker);
    const { status, events } = await readSse(`${base}/jobs/${accepted.body.id}/events`);
    expect(status).toBe(200);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('state');
    expect(names[names.length - 1]).toBe('end');
    const states = events.filter((e) => e.event === 'state').map((e) => e.data.state);
    // Each state once, in the order of a job's life (the first is the state when the client came).
    expect(['SCHEDULED,RUNNING,COMPLETED', 'RUNNING,COMPLETED']).toContain(states.join(','));
    const outputs = events.filter((e) => e.event === 'output');
    expect(outputs.map((e) => e.data.text).join('')).toBe(Array.from({ length: 10 }, (_, i) => `tick ${i}\n`).join(''));
    expect(outputs.every((e) => e.data.stream === 'stdout' && e.data.task === 'run')).toBe(true);
    // Chunks arrive while the program runs, not all at the end: the first comes well before the last.
    expect(outputs.length).toBeGreaterThanOrEqual(5);
    expect(outputs[outputs.length - 1].at - outputs[0].at).toBeGreaterThan(500);
    const completedAt = events.find((e) => e.event === 'state' && e.data.state === 'COMPLETED')!.at;
    expect(outputs[0].at).toBeLessThan(completedAt - 500);
    const ids = events.filter((e) => e.id).map((e) => e.id!);
    expect([...ids].sort(compareStreamIds)).toEqual(ids);
    expect(events[events.length - 1].data).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: expect.stringContaining('tick 9') } });
  });

  it('gives a late client the current state first, replays the output without the older states, and ends', async () => {
    const done = await kiln.http().post('/execute').send({ language: 'bash', code: script('out one', 'err two') });
    const { events } = await readSse(`${base}/jobs/${done.body.id}/events`);
    expect(events[0]).toMatchObject({ event: 'state', data: { state: 'COMPLETED', verdict: 'OK' } });
    // The log holds SCHEDULED and RUNNING too: replayed after COMPLETED, they would read as the job's state.
    expect(events.filter((e) => e.event === 'state').map((e) => e.data.state)).toEqual(['COMPLETED']);
    const output = events.filter((e) => e.event === 'output').map((e) => [e.data.stream, e.data.text]);
    expect(output).toEqual([
      ['stdout', 'one\n'],
      ['stderr', 'two\n'],
    ]);
    expect(events[events.length - 1].event).toBe('end');
  });

  it('says when a task runs again after its worker was lost, before the new attempt prints from the start', async () => {
    // The first attempt prints, then fails as Kiln's failure (BullMQ retries it: coordinator.taskAttempts is 3).
    const code = script('out tick 1', 'out tick 2', 'sleep 200', 'lose-worker-once', 'out tick 3');
    const accepted = await kiln.http().post('/jobs').send({ language: 'python', code });
    const { events } = await readSse(`${base}/jobs/${accepted.body.id}/events`);
    const told = events.filter((e) => e.event === 'output' || e.event === 'retry').map((e) => (e.event === 'retry' ? e.data : [e.data.attempt, e.data.text]));
    // Chunks may coalesce: what each attempt printed, in order, with the retry between them.
    const retryAt = told.findIndex((e) => !Array.isArray(e));
    expect(told[retryAt]).toEqual({ task: 'run', attempt: 2 });
    const textOf = (chunks: unknown[]) => (chunks as [number, string][]).map(([, text]) => text).join('');
    const attemptsOf = (chunks: unknown[]) => [...new Set((chunks as [number, string][]).map(([attempt]) => attempt))];
    expect(textOf(told.slice(0, retryAt))).toBe('tick 1\ntick 2\n');
    expect(attemptsOf(told.slice(0, retryAt))).toEqual([1]);
    expect(textOf(told.slice(retryAt + 1))).toBe('tick 1\ntick 2\ntick 3\n');
    expect(attemptsOf(told.slice(retryAt + 1))).toEqual([2]);
    expect(events.filter((e) => e.event === 'retry')).toHaveLength(1);
    expect(events[events.length - 1].data).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'tick 1\ntick 2\ntick 3\n' } });
  });

  it('answers 404 for an unknown job', async () => {
    const { status } = await readSse(`${base}/jobs/AAAAAAAAAAAAAAAAAAAAAA/events`);
    expect(status).toBe(404);
  });
});

function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}
