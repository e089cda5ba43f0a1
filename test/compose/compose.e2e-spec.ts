import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { REPO_ROOT } from '../support/kiln-harness';
import { containersOfJob, sandboxesOf } from '../support/sandboxes';
import { eventually } from '../support/waiting';
import { freePort } from '../support/processes';
import { testPrefix } from '../support/test-run';

/** `docker compose` (v2 plugin) where present, else Debian's `docker-compose` (v1). */
function composeCommand(): string[] {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  throw new Error('neither `docker compose` nor `docker-compose` is installed (.ci/run installs Debian\'s docker-compose)');
}

/**
 * Issue 6, acceptance 6: the shipped docker-compose.yml really starts and serves; `down` leaves no sandbox.
 *
 * Beside another suite (it times nothing): most of its minutes are the image's build, `npm ci` mostly waiting on the
 * registry.
 *
 * @system-early builds Kiln's image (minutes), so it starts first and its build passes beside the other suites.
 */
describe('docker-compose.yml', () => {
  const project = `kiln-test-${randomBytes(3).toString('hex')}`;
  const prefix = testPrefix('compose');
  const key = `compose-key-${randomBytes(12).toString('hex')}`;
  const [command, ...commandArgs] = composeCommand();
  let env: NodeJS.ProcessEnv;
  let url: string;

  const compose = (...args: string[]) => {
    const result = spawnSync(command, [...commandArgs, '-p', project, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 600_000 });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  };

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = { ...process.env, KILN_REDIS_PASSWORD: randomBytes(12).toString('hex'), KILN_API_KEYS: key, KILN_PORT: String(port), KILN_PREFIX: prefix };
    compose('up', '-d', '--build', '--scale', 'worker=2');
  }, 900_000);

  afterAll(() => {
    compose('down', '-v', '--remove-orphans');
  }, 300_000);

  it('serves /execute for a Python hello world with 2 workers, behind API keys', async () => {
    const health = await eventually(() => request(url).get('/health').then((r) => r.body, () => ({})), (body) => body?.workers?.dockerReady === 2, 60_000);
    expect(health).toMatchObject({ status: 'ok', redis: 'up', workers: { alive: 2, dockerReady: 2 } });
    expect((await request(url).post('/execute').send({ language: 'python', code: 'print(1)' })).status).toBe(401);
    const answer = await request(url).post('/execute').set('X-Kiln-Key', key).send({ language: 'python', code: 'print("hello from compose")' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stdout: 'hello from compose\n' } });
  });

  it('`down` leaves no Kiln sandbox container behind', async () => {
    const accepted = await request(url).post('/jobs').set('X-Kiln-Key', key).send({ language: 'bash', code: 'sleep 3; echo done' });
    expect(accepted.status).toBe(202);
    // `down` while the job's sandbox runs: the workers must remove it on their way out.
    await eventually(() => containersOfJob(accepted.body.id), (list) => list.some((c) => c.State === 'running'), 30_000, 'the job running in its sandbox');
    compose('down', '-v', '--remove-orphans');
    expect(await sandboxesOf(prefix)).toEqual([]);
  });
});
