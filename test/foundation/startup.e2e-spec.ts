import request from 'supertest';
import { REPO_ROOT } from '../support/kiln-harness';
import { eventually } from '../support/waiting';
import { freePort, spawnKiln } from '../support/processes';

/** Start-up: standalone embeds Redis when none answers (bad configuration, missing Docker or Redis: startup.component-spec.ts). */
describe('kiln start-up', () => {
  const base = { KILN_HOME: REPO_ROOT, KILN_LOGGING__LEVEL: 'warn' };

  it('standalone starts a private redis-server when none answers, serves, and stops it on SIGTERM', async () => {
    const [redisPort, httpPort] = [await freePort(), await freePort()];
    const kiln = spawnKiln('standalone', {
      ...base,
      KILN_LOGGING__LEVEL: 'info',
      KILN_REDIS__URL: `redis://127.0.0.1:${redisPort}`,
      KILN_COORDINATOR__PORT: String(httpPort),
    });
    try {
      const health = await eventually(
        () => request(`http://127.0.0.1:${httpPort}`).get('/health').then((r) => r.status, () => 0),
        (status) => status === 200,
        30_000,
      );
      expect(health).toBe(200);
      expect(kiln.output()).toContain(`started a private redis-server on 127.0.0.1:${redisPort}`);
      const answer = await request(`http://127.0.0.1:${httpPort}`).post('/execute').send({ language: 'bash', code: 'echo embedded' });
      expect(answer.body.run.stdout).toBe('embedded\n');
    } finally {
      expect(await kiln.stop('SIGTERM')).toBe(0);
    }
    const { redisAnswers } = await import('@kiln/redis');
    await eventually(() => redisAnswers(`redis://127.0.0.1:${redisPort}`, 200), (up) => !up, 5000);
  });

  it('Ctrl-C in its terminal (SIGINT to the whole process group) stops standalone cleanly: its private Redis outlives the drain; every line is JSON, the worker\'s named as standalone\'s', async () => {
    const [redisPort, httpPort] = [await freePort(), await freePort()];
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const env = { ...base, KILN_LOGGING__LEVEL: 'info', KILN_REDIS__URL: redisUrl, KILN_COORDINATOR__PORT: String(httpPort) };
    const kiln = spawnKiln('standalone', env, { ownGroup: true });
    const api = () => request(`http://127.0.0.1:${httpPort}`);
    try {
      await eventually(() => api().get('/health').then((r) => r.status, () => 0), (status) => status === 200, 30_000, 'standalone healthy');
      const answer = await api().post('/execute').send({ language: 'bash', code: 'echo before' });
      expect(answer.body.run.stdout).toBe('before\n');
      // A task still running at the Ctrl-C: the worker's drain finishes it and writes its end to Redis.
      const { id } = (await api().post('/jobs').send({ language: 'bash', code: 'sleep 2; echo after' })).body;
      await eventually(async () => (await api().get(`/jobs/${id}`)).body.state, (state) => state === 'RUNNING', 30_000, `job ${id} running`);
    } finally {
      expect(await kiln.signalGroup('SIGINT')).toBe(0);
    }
    const lines = kiln.output().split('\n').filter((line) => line && !line.startsWith('kiln: SIGINT received'));
    const records = lines.map((line) => {
      try {
        return JSON.parse(line) as { level: string; service?: string; workerId?: string; msg: string };
      } catch {
        return { level: 'not JSON', msg: line };
      }
    });
    // Redis gone under the drain shows as lost connections and failed queue reads.
    expect(records.filter((record) => record.level !== 'info')).toEqual([]);
    expect(new Set(records.map((record) => record.service))).toEqual(new Set(['standalone']));
    expect(records.filter((record) => record.msg === 'task finished')).toEqual([expect.objectContaining({ workerId: expect.any(String) }), expect.objectContaining({ workerId: expect.any(String) })]);
    const { redisAnswers } = await import('@kiln/redis');
    await eventually(() => redisAnswers(redisUrl, 200), (up) => !up, 5000, 'the private Redis stopped after Kiln');
  });
});
