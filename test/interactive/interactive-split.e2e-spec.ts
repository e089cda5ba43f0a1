import Redis from 'ioredis';
import { TEST_REDIS_URL } from '../support/environment';
import { GREETER, InteractiveClient } from '../support/interactive-client';
import { SplitCluster, startSplitCluster } from '../support/split-cluster';
import { testPrefix } from '../support/test-run';
import { eventually } from '../support/waiting';

/**
 * Issue 17, acceptance 3: an interactive run across the split, the WebSocket
 * on a `kiln coordinator` process and the sandbox on a `kiln worker` process:
 * stdin travels from one to the other through Redis (the job's stdin stream).
 */
describe('interactive runs in split mode: kiln coordinator + kiln worker', () => {
  const prefix = testPrefix('isplit');
  let cluster: SplitCluster;
  let url: string;

  beforeAll(async () => {
    cluster = await startSplitCluster(prefix, { workers: [{ KILN_WORKER__ID: `${prefix}-worker` }] });
    url = cluster.url;
  });

  afterAll(async () => {
    expect(await cluster.stop()).toEqual([0, 0]);
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
