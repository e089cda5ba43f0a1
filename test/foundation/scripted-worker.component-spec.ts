import { ScriptedRun } from '../../apps/worker/src/sandbox/scripted/scripted-sandbox';
import { ScriptedSandboxRuntime } from '../../apps/worker/src/sandbox/scripted/scripted-sandbox.runtime';
import { SandboxRuntimeClosedError } from '../../apps/worker/src/sandbox/sandbox-runtime';
import { JobRepository, RedisKeys } from '@kiln/store';
import { ACK } from '../../libs/store/src/queues/event-consumer';
import { Harness, startKiln } from '../support/kiln-harness';
import { eventually, remains } from '../support/waiting';

/**
 * The programs of this suite, by command: an "interpreter" that prints its
 * stdin upper-cased, a "compiler" that leaves a binary in the workspace, the
 * "binary" that needs it, and a sleeper to cancel.
 */
function program({ exec, stdin, files, stdout, stderr, sleep }: ScriptedRun) {
  const [command] = exec.argv;
  if (command === 'python3') return stdout(stdin.toString().toUpperCase());
  if (command === 'bash') return sleep(60_000);
  if (command === 'gcc') {
    if (!files.get('main.c')?.content.includes('main')) return { exitCode: 1, stderr: 'main.c: no main\n' };
    files.set('main', { name: 'main', mode: 0o755, content: Buffer.from('#scripted binary') });
    return { exitCode: 0 };
  }
  if (files.get('main')?.content.toString() === '#scripted binary') return stdout(`binary ran with ${stdin}`);
  stderr(`no scripted program for ${exec.argv.join(' ')}\n`);
  return { exitCode: 127 };
}

/**
 * Issue 13: the worker built with a scripted sandbox runtime instead of
 * Docker (test/support/README.md) runs whole jobs through the real
 * coordinator and Redis, with no Docker engine to reach.
 */
describe('a worker with the scripted sandbox runtime (no Docker)', () => {
  let kiln: Harness;
  let runtime: ScriptedSandboxRuntime;
  let closed = false;

  // A component suite: any Docker call would fail (test/support/component-setup.ts).
  beforeAll(async () => {
    runtime = new ScriptedSandboxRuntime(program);
    kiln = await startKiln({ runtime });
  });

  afterAll(async () => {
    if (!closed) await kiln?.close();
  });

  const execute = (body: object) => kiln.http().post('/execute').send(body);

  it('runs an interpreted program: the verdict and output come from the scripted run', async () => {
    const answer = await execute({ language: 'python', code: 'print(input().upper())', stdin: 'hi' });
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'HI', exitCode: 0, verdict: 'OK' } });
    const [sandbox] = runtime.sandboxesOf(answer.body.id);
    expect(sandbox).toMatchObject({ image: 'kiln/python:latest', state: 'removed', owner: { id: answer.body.id, part: 'run' } });
    expect([...sandbox.files.keys()]).toEqual(['main.py']);
  });

  it('answers an /execute it ended from the end step itself: no read of its own, the same as GET /jobs/:id', async () => {
    const reads = jest.spyOn(kiln.coordinator!.get(JobRepository), 'getWithOutputs');
    const answer = await execute({ language: 'python', code: 'print(input().upper())', stdin: 'same' });
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'SAME' } });
    expect(reads).not.toHaveBeenCalled();
    const stored = await kiln.http().get(`/jobs/${answer.body.id}`).expect(200);
    expect(reads).toHaveBeenCalledTimes(1);
    expect(answer.body).toEqual(stored.body);
    reads.mockRestore();
  });

  it('acknowledges the report that ends a job in the end step itself, and a report that does not end it on its own', async () => {
    const acknowledgements = jest.spyOn(ACK, 'run');
    const applied = async () => Number(await kiln.redis.get(new RedisKeys(kiln.prefix).taskEventsApplied()));
    const before = await applied();
    const simple = await execute({ language: 'python', code: 'print(input())', stdin: 'one step' });
    expect(simple.body).toMatchObject({ verdict: 'OK', run: { stdout: 'ONE STEP' } });
    // The run's report: applied, counted, acknowledged and deleted by kilnEndJob, not by a script of its own.
    expect(await applied()).toBe(before + 1);
    await remains(async () => acknowledgements.mock.calls.length, (calls) => calls === 0, 500, 'no acknowledgement of its own');
    // Code of its own: the compile cache must not spare this job its compile, nor another test its.
    const compiled = await execute({ language: 'c', code: 'int main(void) { return 1 - 1; }', stdin: 'y' });
    expect(compiled.body).toMatchObject({ verdict: 'OK', run: { stdout: 'binary ran with y' } });
    // The compile's report queues the run, so it is acknowledged on its own; the run's, again in the end step.
    await eventually(applied, (count) => count === before + 3, 5000, 'the C job’s two reports counted');
    expect(acknowledgements).toHaveBeenCalledTimes(1);
    expect(await kiln.redis.xlen(new RedisKeys(kiln.prefix).taskEvents())).toBe(0);
    acknowledgements.mockRestore();
  });

  it('compiles once and runs the artifact in a fresh sandbox; a compiler error is COMPILE_ERROR', async () => {
    const answer = await execute({ language: 'c', code: 'int main(void) { return 0; }', stdin: 'x' });
    expect(answer.body).toMatchObject({ verdict: 'OK', compile: { verdict: 'OK' }, run: { stdout: 'binary ran with x' } });
    expect(runtime.sandboxesOf(answer.body.id).map((s) => s.owner.part)).toEqual(['compile', 'run']);
    const broken = await execute({ language: 'c', code: 'int nothing;' });
    expect(broken.body).toMatchObject({ verdict: 'COMPILE_ERROR', run: null, compile: { stderr: 'main.c: no main\n' } });
  });

  it('stops a program at its time limit: TIMEOUT', async () => {
    const answer = await execute({ language: 'bash', code: 'sleep 60', limits: { timeoutMs: 300 } });
    expect(answer.body).toMatchObject({ verdict: 'TIMEOUT', run: { verdict: 'TIMEOUT', signal: 'SIGKILL' } });
  });

  it('kills the sandbox of a cancelled job', async () => {
    const submitted = await kiln.http().post('/jobs').send({ language: 'bash', code: 'sleep 60', limits: { timeoutMs: 30000 } });
    const [sandbox] = await eventually(async () => runtime.sandboxesOf(submitted.body.id), (list) => list.length === 1, 10_000);
    await kiln.http().put(`/jobs/${submitted.body.id}/cancel`).expect(200);
    expect(await eventually(async () => sandbox.state, (state) => state !== 'leased', 10_000)).not.toBe('leased');
    // Stopped with its job, not Kiln's failure: CANCELLED once the worker's report is in.
    const run = async () => (await kiln.http().get(`/jobs/${submitted.body.id}`)).body.tasks.find((task: { id: string }) => task.id === 'run');
    expect(await eventually(run, (task) => task.state !== 'RUNNING', 10_000)).toMatchObject({ state: 'CANCELLED' });
    expect((await kiln.http().get(`/jobs/${submitted.body.id}`)).body.state).toBe('CANCELLED');
  });

  it('takes no task while the runtime says it cannot make sandboxes, and takes them again after', async () => {
    const node = () => kiln.http().get('/nodes').then((r) => r.body.find((n: { id: string }) => n.id === `${kiln.prefix}-worker`));
    runtime.unavailable = 'scripted: no sandboxes for now';
    const paused = await eventually(node, (beat) => beat?.accepting === false, 10_000);
    expect(paused).toMatchObject({ accepting: false, docker: { ok: false, error: 'scripted: no sandboxes for now' } });
    runtime.unavailable = null;
    expect(await eventually(node, (beat) => beat?.accepting === true, 10_000)).toMatchObject({ accepting: true, docker: { ok: true } });
    const answer = await execute({ language: 'python', code: 'print(input())', stdin: 'back' });
    expect(answer.body.run.stdout).toBe('BACK');
  });

  it('drains the runtime as the worker shuts down: nothing left, no sandbox lent after', async () => {
    closed = true;
    await kiln.close();
    expect(runtime.sandboxes.filter((sandbox) => sandbox.state !== 'removed')).toEqual([]);
    await expect(runtime.lease({ owner: { id: 'late', part: 'run' }, image: 'kiln/python:latest', limits: { memoryMb: 64, cpus: 1, processes: 8 } })).rejects.toThrow(
      SandboxRuntimeClosedError,
    );
  });
});
