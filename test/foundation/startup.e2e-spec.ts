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
});
