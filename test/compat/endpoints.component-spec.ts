import { Harness, startKiln } from '../support/kiln-harness';

/** Issue 9, acceptance 3: either compatibility group, switched off in config, does not exist (404). */
describe('compatibility endpoint groups in coordinator.api.endpoints', () => {
  describe('both off', () => {
    let kiln: Harness;

    beforeAll(async () => {
      kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__API__ENDPOINTS__PISTON: 'false', KILN_COORDINATOR__API__ENDPOINTS__JUDGE0: 'false' } });
    });

    afterAll(async () => {
      await kiln?.close();
    });

    it('answers 404 on every Piston and Judge0 endpoint; the native API stays', async () => {
      const piston = { language: 'python', version: '*', files: [{ content: 'print(1)' }] };
      const judge0 = { language_id: 71, source_code: 'print(1)' };
      const answers = {
        runtimes: (await kiln.http().get('/api/v2/runtimes')).status,
        execute: (await kiln.http().post('/api/v2/execute').send(piston)).status,
        statuses: (await kiln.http().get('/judge0/statuses')).status,
        languages: (await kiln.http().get('/judge0/languages')).status,
        submissions: (await kiln.http().post('/judge0/submissions').send(judge0)).status,
        submission: (await kiln.http().get('/judge0/submissions/abc')).status,
        batch: (await kiln.http().post('/judge0/submissions/batch').send({ submissions: [judge0] })).status,
        batchRead: (await kiln.http().get('/judge0/submissions/batch?tokens=abc')).status,
        nativeLanguages: (await kiln.http().get('/languages')).status,
      };
      expect(answers).toEqual({
        runtimes: 404, execute: 404, statuses: 404, languages: 404, submissions: 404, submission: 404, batch: 404, batchRead: 404, nativeLanguages: 200,
      });
    });

    it('with Piston off, its paths take no text/plain JSON: like every other unknown path, 404 without reading the body', async () => {
      const text = await kiln.http().post('/api/v2/execute').set('content-type', 'text/plain').send('{}');
      expect(text.status).toBe(404);
      // Kiln's 404, not Piston's {"message": "Not Found"}: the group is not there at all.
      expect(text.body).toEqual({ error: 'Cannot POST /api/v2/execute' });
      expect((await kiln.http().post('/execute').set('content-type', 'text/plain').send('{}')).status).toBe(415);
    });
  });

  describe('one off, the other on under another prefix', () => {
    let kiln: Harness;

    beforeAll(async () => {
      kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__API__ENDPOINTS__PISTON: 'false', KILN_COORDINATOR__API__JUDGE0__PREFIX: '/compat/j0' } });
    });

    afterAll(async () => {
      await kiln?.close();
    });

    it('Piston is gone, Judge0 answers under the configured prefix only', async () => {
      expect((await kiln.http().get('/api/v2/runtimes')).status).toBe(404);
      expect((await kiln.http().get('/compat/j0/statuses')).status).toBe(200);
      expect((await kiln.http().get('/compat/j0/languages')).body).toContainEqual({ id: 71, name: 'Python (3.11.2)' });
      expect((await kiln.http().get('/judge0/statuses')).status).toBe(404);
    });
  });
});
