import Redis from 'ioredis';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_REDIS_URL } from '../support/environment';
import { REPO_ROOT, deleteKeys } from '../support/kiln-harness';
import { spawnKiln } from '../support/processes';
import { testPrefix } from '../support/test-run';

/** An operator's seccomp profile (sandbox.seccompProfile, sandbox.nested.seccompProfile) is checked before any task. */
describe('a seccomp profile the worker cannot use', () => {
  let dir: string;
  const prefix = testPrefix('seccomp');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-seccomp-'));
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    const redis = new Redis(TEST_REDIS_URL);
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it.each([
    ['sandbox.seccompProfile', { KILN_SANDBOX__MODE: 'container' }, 'KILN_SANDBOX__SECCOMP_PROFILE'],
    ['sandbox.nested.seccompProfile', { KILN_SANDBOX__MODE: 'nested' }, 'KILN_SANDBOX__NESTED__SECCOMP_PROFILE'],
  ])('%s: the worker refuses to start, naming the key and the file', async (key, modeEnv, variable) => {
    const profile = join(dir, `${variable}.json`);
    writeFileSync(profile, '{"defaultAction": ');
    const worker = spawnKiln('worker', { KILN_HOME: REPO_ROOT, KILN_REDIS__URL: TEST_REDIS_URL, KILN_REDIS__PREFIX: prefix, ...modeEnv, [variable]: profile });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain(`kiln: cannot start: ${key}: cannot use ${profile} as a seccomp profile`);
  });
});
