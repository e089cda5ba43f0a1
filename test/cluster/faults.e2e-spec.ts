import { DockerProxy, startWorkerBehind } from '../support/docker-proxy';
import { Harness, startKiln } from '../support/kiln-harness';
import { eventually, remains } from '../support/waiting';

/** Issue 6, faults: a Docker engine that goes away is not the program's fault (nothing waits forever: faults.component-spec.ts). */
describe('the Docker engine goes away mid-task', () => {
  const proxy = new DockerProxy();
  let kiln: Harness;
  let worker: Harness;

  beforeAll(async () => {
    await proxy.start();
    kiln = await startKiln({ worker: false });
    worker = await startWorkerBehind(proxy, kiln, { KILN_NODES__HEARTBEAT_MS: '300' });
  });

  afterAll(async () => {
    await worker?.close();
    await kiln?.close();
    await proxy.cut();
  });

  it('the task is retried once the engine is back: the job completes, never judged as the program’s failure', async () => {
    const accepted = await kiln.http().post('/jobs').send({ language: 'bash', code: 'sleep 1; echo survived', limits: { timeoutMs: 10000 } });
    const id = accepted.body.id;
    await eventually(async () => (await kiln.http().get(`/jobs/${id}`)).body.state, (state) => state === 'RUNNING', 15_000);
    await proxy.cut();
    // The engine stays away for 1.5 s, and all that time the job is RUNNING, not failed for it.
    await remains(async () => (await kiln.http().get(`/jobs/${id}`)).body.state, (state) => state === 'RUNNING', 1500, 'the job RUNNING while the engine is away');
    await proxy.start();
    const job = await eventually(async () => (await kiln.http().get(`/jobs/${id}`)).body, (body) => body.state === 'COMPLETED', 30_000);
    expect(job).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'survived\n' } });
  });
});
