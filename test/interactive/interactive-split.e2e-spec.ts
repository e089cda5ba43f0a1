import Redis from 'ioredis';
import request from 'supertest';
import { TEST_REDIS_URL } from '../support/environment';
import { GREETER, InteractiveClient } from '../support/interactive-client';
import { deleteKeys, REPO_ROOT } from '../support/kiln-harness';
import { freePort, KilnProcess, spawnKiln } from '../support/processes';
import { testPrefix } from '../support/test-run';
import { eventually } from '../support/waiting';

/**
 * Issue 17, acceptance 3: an interactive run across the split, the WebSocket
 * on a `kiln coordinator` process and the sandbox on a `kiln worker` process:
 * stdin travels from one to the other through Redis (the job's stdin stream).
 */
describe('interactive runs in split mode: kiln coordinator + kiln worker', () => {
  const prefix = testPrefix('isplit');
  let processes: KilnProcess[] = [];
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = { KILN_HOME: REPO_ROOT, KILN_REDIS__URL: TEST_REDIS_URL, KILN_REDIS__PREFIX: prefix, KILN_NODES__HEARTBEAT_MS: '1000', KILN_LOGGING__LEVEL: 'warn' };
    processes = [spawnKiln('coordinator', { ...env, KILN_COORDINATOR__PORT: String(port) }), spawnKiln('worker', { ...env, KILN_WORKER__ID: `${prefix}-worker` })];
    await eventually(
      () => request(url).get('/health').then((r) => r.body, () => ({})),
      (body) => body?.workers?.dockerReady === 1,
      30_000,
      () => `the cluster to come up; the processes said:\n${processes.map((p) => p.output()).join('\n---\n')}`,
    );
  });

  afterAll(async () => {
    const codes = await Promise.all(processes.map((p) => p.stop('SIGTERM')));
    expect(codes).toEqual([0, 0]);
    const redis = new Redis(TEST_REDIS_URL);
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('the prompt comes before any stdin, the greeting after the line sent; the worker ran it', async () => {
    const client = await InteractiveClient.connect(url);
    client.send({ type: 'start', job: { language: 'python', code: GREETER } });
    await client.until(() => client.text() === 'name? ', 30_000, 'the prompt');
    expect(client.messages.some((m) => m.type === 'exit')).toBe(false);
    client.send({ type: 'stdin', data: 'Grace\n' });
    const done = await client.next('done', 30_000);
    expect(client.text()).toBe('name? hello, Grace\n');
    expect(done.job).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'name? hello, Grace\n' } });
    const tasks = (done.job as { tasks: { id: string; workerId: string }[] }).tasks;
    expect(tasks.find((t) => t.id === 'run')!.workerId).toBe(`${prefix}-worker`);
    // The job's stdin stream went with its scratch data.
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await eventually(() => redis.exists(`${prefix}:job:${(done.job as { id: string }).id}:stdin`), (n) => n === 0, 10_000, 'the stdin stream to be deleted');
    } finally {
      redis.disconnect();
    }
  });
});
