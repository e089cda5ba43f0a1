import { DockerProxy, startWorkerBehind } from '../support/docker-proxy';
import { Harness, startKiln } from '../support/kiln-harness';
import { eventually } from '../support/waiting';

/** Issue 6: a worker's node goes DOWN while its Docker engine is away (nodes and queues: nodes-and-queues.component-spec.ts). */
describe('a worker whose Docker engine is unavailable', () => {
  const proxy = new DockerProxy();
  let kiln: Harness;
  let worker: Harness;

  beforeAll(async () => {
    await proxy.start();
    kiln = await startKiln({ worker: false });
    worker = await startWorkerBehind(proxy, kiln, { KILN_WORKER__ID: 'fragile-worker', KILN_NODES__HEARTBEAT_MS: '500' });
  });

  afterAll(async () => {
    await worker?.close();
    await kiln?.close();
    await proxy.cut();
  });

  it('goes DOWN saying why, takes no tasks meanwhile, and runs them when the engine is back', async () => {
    const nodes = async () => (await kiln.http().get('/nodes')).body.find((n: { id: string }) => n.id === 'fragile-worker');
    await eventually(nodes, (n) => n?.status === 'UP');
    await proxy.cut();
    const down = await eventually(nodes, (n) => n?.status === 'DOWN', 5000);
    expect(down).toMatchObject({ status: 'DOWN', accepting: false, docker: { ok: false }, reason: expect.stringContaining('Docker engine does not answer') });
    expect((await kiln.http().post('/jobs').send({ language: 'python', code: 'print(1)' })).status).toBe(503);
    await proxy.start();
    await eventually(nodes, (n) => n?.status === 'UP', 5000);
    const ran = await kiln.http().post('/execute').send({ language: 'python', code: 'print("back")' });
    expect(ran.body.run.stdout).toBe('back\n');
  });
});
