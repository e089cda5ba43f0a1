import request from 'supertest';
import { SplitCluster, startSplitCluster } from '../support/split-cluster';
import { testPrefix } from '../support/test-run';

/** Foundation acceptance 5: one coordinator and two worker processes on one Redis. */
describe('split mode: kiln coordinator + 2 × kiln worker', () => {
  const prefix = testPrefix('split');
  let cluster: SplitCluster;
  let url: string;

  beforeAll(async () => {
    cluster = await startSplitCluster(prefix, {
      workers: [
        { KILN_WORKER__ID: 'worker-a', KILN_WORKER__CONCURRENCY: '2' },
        { KILN_WORKER__ID: 'worker-b', KILN_WORKER__CONCURRENCY: '2' },
      ],
    });
    url = cluster.url;
  });

  afterAll(async () => {
    expect(await cluster.stop()).toEqual([0, 0, 0]);
  });

  it('runs 20 concurrent jobs to completion, spread over both workers', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, n) => request(url).post('/execute').send({ language: 'python', code: `print(${n} * 2)` })),
    );
    answers.forEach((answer, n) => {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: `${n * 2}\n` } });
    });
    const workers = new Set(answers.map((a) => a.body.tasks.find((t: { id: string }) => t.id === 'run').workerId));
    expect([...workers].sort()).toEqual(['worker-a', 'worker-b']);
  });
});
