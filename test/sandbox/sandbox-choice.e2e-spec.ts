import Redis from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { TEST_REDIS_URL } from '../support/environment';
import { REPO_ROOT, deleteKeys, startKiln } from '../support/kiln-harness';
import { freePort, KilnProcess, spawnKiln } from '../support/processes';
import { writeProfileWithoutBwrap } from '../support/sandbox-seccomp';
import { testPrefix } from '../support/test-run';
import { eventually } from '../support/waiting';

interface Health {
  status: string;
  sandbox: { mode: string; runtime: string; setting: string; reason: string; workers: number }[];
}

/** `kiln standalone` with the default sandbox.mode (auto), on a port and prefix of its own. */
async function standalone(env: Record<string, string> = {}): Promise<{ kiln: KilnProcess; url: string; prefix: string }> {
  const port = await freePort();
  const prefix = testPrefix('choice');
  const kiln = spawnKiln('standalone', {
    KILN_HOME: REPO_ROOT,
    KILN_REDIS__URL: TEST_REDIS_URL,
    KILN_REDIS__PREFIX: prefix,
    KILN_REDIS__EMBEDDED: 'false',
    KILN_COORDINATOR__PORT: String(port),
    KILN_LOGGING__LEVEL: 'info',
    ...env,
  });
  return { kiln, url: `http://127.0.0.1:${port}`, prefix };
}

async function healthOf(kiln: KilnProcess, url: string): Promise<Health> {
  try {
    return (await eventually(() => request(url).get('/health').then((r) => r.body as Health, () => null), (body) => body?.status === 'ok', 60_000, 'Kiln healthy'))!;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${kiln.output()}`);
  }
}

async function stop(kiln: KilnProcess, prefix: string): Promise<void> {
  await kiln.stop();
  const redis = new Redis(TEST_REDIS_URL);
  await deleteKeys(redis, prefix);
  redis.disconnect();
}

/** Issue 14: sandbox.mode auto, the default, chooses the tier once at start-up and says which and why. */
describe('sandbox.mode auto (the default)', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-choice-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('where the host allows unprivileged user namespaces: nested; the start-up log, /health and /nodes say so and why', async () => {
    const { kiln, url, prefix } = await standalone();
    try {
      const health = await healthOf(kiln, url);
      expect(health.sandbox).toEqual([{ mode: 'nested', runtime: 'runc', setting: 'auto', reason: expect.stringMatching(/^sandbox\.mode is auto, and this host creates nested sandboxes/), workers: 1 }]);
      expect(kiln.output()).toContain('sandbox mode nested: sandbox.mode is auto, and this host creates nested sandboxes');
      const nodes = (await request(url).get('/nodes')).body as { role: string; sandbox?: unknown }[];
      expect(nodes.find((node) => node.role === 'worker')?.sandbox).toEqual(health.sandbox.map(({ workers, ...tier }) => tier)[0]);
      const answer = await request(url).post('/execute').send({ language: 'python', code: 'print(input())', stdin: 'auto' });
      expect(answer.body).toMatchObject({ verdict: 'OK', run: { stdout: 'auto\n' } });
    } finally {
      await stop(kiln, prefix);
    }
  });

  it('where the host forbids them: the strict container tier, saying why; jobs run as before', async () => {
    const { kiln, url, prefix } = await standalone({ KILN_SANDBOX__NESTED__SECCOMP_PROFILE: writeProfileWithoutBwrap(dir) });
    try {
      const [tier] = (await healthOf(kiln, url)).sandbox;
      expect(tier).toEqual({ mode: 'container', runtime: 'runc', setting: 'auto', reason: expect.stringMatching(/^sandbox\.mode is auto, and this host cannot create nested sandboxes \(.*bwrap.*\): a fresh container per task$/s), workers: 1 });
      expect(kiln.output()).toContain('sandbox mode container: sandbox.mode is auto, and this host cannot create nested sandboxes');
      const answer = await request(url).post('/execute').send({ language: 'python', code: 'print(input())', stdin: 'strict' });
      expect(answer.body).toMatchObject({ verdict: 'OK', run: { stdout: 'strict\n' } });
    } finally {
      await stop(kiln, prefix);
    }
  });

  it('sandbox.mode container stays the strict tier, whatever the host allows, and says so', async () => {
    const kiln = await startKiln({ env: { KILN_SANDBOX__MODE: 'container' } });
    try {
      const health = await kiln.http().get('/health');
      expect(health.body.sandbox).toEqual([{ mode: 'container', runtime: 'runc', setting: 'container', reason: 'sandbox.mode is container: a fresh container per task', workers: 1 }]);
    } finally {
      await kiln.close();
    }
  });
});
