import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/kiln-harness';
import { freePort, spawnKiln } from '../support/processes';
import { testPrefix } from '../support/test-run';
import { eventually } from '../support/waiting';

/** Start-up: bad configuration, missing Docker or Redis are clear errors, said before anything runs. */
describe('kiln start-up', () => {
  // A prefix of this run's: a process that does reach the shared Redis before it stops touches nothing of another deployment.
  const base = { KILN_HOME: REPO_ROOT, KILN_LOGGING__LEVEL: 'warn', KILN_REDIS__PREFIX: testPrefix('startup') };

  it('stops on a bad configuration value, naming the key (exit 78)', async () => {
    const kiln = spawnKiln('worker', { ...base, KILN_WORKER__CONCURRENCY: '0' });
    expect(await kiln.exited).toBe(78);
    expect(kiln.output()).toContain('worker.concurrency');
  });

  it('stops on an unknown environment key, naming it', async () => {
    const kiln = spawnKiln('coordinator', { ...base, KILN_COORDINATOR__PROT: '1' });
    expect(await kiln.exited).toBe(78);
    expect(kiln.output()).toContain('KILN_COORDINATOR__PROT: no configuration key coordinator.prot');
  });

  it('stops a coordinator whose language table sends a language to a queue it does not accept, naming both (issue 15)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-languages-'));
    try {
      const file = join(dir, 'languages.yaml');
      writeFileSync(file, readFileSync(join(REPO_ROOT, 'config', 'languages.yaml'), 'utf8').replace('  - id: bash\n', '  - id: bash\n    queue: untrusted\n'));
      const kiln = spawnKiln('coordinator', { ...base, KILN_LANGUAGES: file });
      expect(await kiln.exited).toBe(78);
      expect(kiln.output()).toContain('language bash: queue "untrusted" is not one of coordinator.queues (default)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the setting when its port is taken (exit 1)', async () => {
    const port = await freePort();
    const taken = createServer().listen(port, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const kiln = spawnKiln('coordinator', { ...base, KILN_COORDINATOR__PORT: String(port) });
      expect(await kiln.exited).toBe(1);
      expect(kiln.output()).toContain(`kiln: cannot start: cannot listen on 127.0.0.1:${port} (coordinator.host, coordinator.port): listen EADDRINUSE`);
    } finally {
      taken.close();
    }
  });

  it('says plainly that no Docker engine answers', async () => {
    const kiln = spawnKiln('worker', { ...base, DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(await kiln.exited).toBe(1);
    expect(kiln.output()).toMatch(/no Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock/);
  });

  it('waits for Redis for redis.startupWaitMs, saying so, then says plainly that none answers (split modes never start one)', async () => {
    const port = await freePort();
    const started = Date.now();
    const kiln = spawnKiln('coordinator', { ...base, KILN_REDIS__URL: `redis://127.0.0.1:${port}`, KILN_REDIS__STARTUP_WAIT_MS: '2000' });
    expect(await kiln.exited).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(kiln.output()).toContain(`waiting for Redis at redis://127.0.0.1:${port}`);
    expect(kiln.output()).toContain(`kiln: cannot start: no Redis answers at redis://127.0.0.1:${port}`);
    expect(kiln.output()).toContain('gave up after redis.startupWaitMs (2000 ms)');
  });

  it('stops at once, cleanly, on SIGTERM while it waits for Redis', async () => {
    const port = await freePort();
    const kiln = spawnKiln('worker', { ...base, KILN_REDIS__URL: `redis://127.0.0.1:${port}` });
    // What is timed is the stop, not the start: a Node process loading all of Kiln took over 20 s
    // on a loaded 2-core machine, so the wait for it allows most of the test's 60 s.
    await eventually(async () => kiln.output(), (output) => output.includes('waiting for Redis'), 45_000, 'the worker saying it waits for Redis');
    const stopping = Date.now();
    expect(await kiln.stop('SIGTERM')).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(3000);
    expect(kiln.output()).toContain('kiln: stopped before it had started');
  });
});
