import { Harness, startKiln } from '../support/kiln-harness';
import { scriptedRuntime } from '../support/scripted-programs';

/** Foundation acceptance 6: an endpoint group switched off in config does not exist. */
describe('coordinator.api.endpoints', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ runtime: scriptedRuntime(), env: { KILN_COORDINATOR__API__ENDPOINTS__JOBS: 'false' } });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('jobs off: POST /jobs and GET /jobs/:id answer 404, /execute still works', async () => {
    expect((await kiln.http().post('/jobs').send({ language: 'python', code: 'print(1)' })).status).toBe(404);
    const executed = await kiln.http().post('/execute').send({ language: 'python', code: 'out 1' });
    expect(executed.status).toBe(200);
    expect(executed.body.run.stdout).toBe('1\n');
    expect((await kiln.http().get(`/jobs/${executed.body.id}`)).status).toBe(404);
  });

  it('serves the languages and health groups', async () => {
    const languages = await kiln.http().get('/languages');
    expect(languages.body.map((l: { id: string }) => l.id)).toEqual(expect.arrayContaining(['python', 'javascript', 'bash', 'c', 'cpp']));
    expect(languages.body.find((l: { id: string }) => l.id === 'c')).toMatchObject({ compiled: true, aliases: ['gcc'] });
    const health = await kiln.http().get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', redis: 'up', workers: { alive: 1, dockerReady: 1 } });
  });
});
