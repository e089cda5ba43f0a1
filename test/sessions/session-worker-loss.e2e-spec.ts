import { Harness, startKiln } from '../support/kiln-harness';
import { KilnProcess, spawnKiln, workerUp } from '../support/processes';
import { containersOfJob } from '../support/sandboxes';
import { sessionClient } from '../support/session-client';
import { eventually } from '../support/waiting';

/**
 * Issue 16, acceptance 3: a session whose worker is SIGKILLed answers a clear
 * error within seconds (never a hang), ends once the worker's heartbeat is
 * stale, and leaves no container once another worker's orphan reaper has
 * run. The worker is a process of its own (spawned from the build), so
 * that it can die as a crash does.
 *
 * @system-serial answers within 2 s after a SIGKILL are timed.
 */
describe('a session whose worker is SIGKILLed', () => {
  const WORKER_TIMEOUT_MS = 2000;
  const NODES_TIMEOUT_MS = 3000;
  let kiln: Harness;
  let doomed: KilnProcess | undefined;
  let reaper: KilnProcess | undefined;
  const client = sessionClient(() => kiln, null);
  const workerEnv = (id: string) => ({
    ...kiln.env,
    KILN_WORKER__ID: id,
    KILN_SANDBOX__REAPER_INTERVAL_MS: '1000',
    KILN_NODES__TIMEOUT_MS: String(NODES_TIMEOUT_MS),
    KILN_NODES__HEARTBEAT_MS: '500',
    // In nested mode (what auto picks here) the session's outer container is named after it at once, as modeEnv does.
    KILN_SANDBOX__NESTED__NAME_AFTER_MS: '0',
  });

  beforeAll(async () => {
    kiln = await startKiln({
      worker: false,
      env: { KILN_NODES__TIMEOUT_MS: String(NODES_TIMEOUT_MS), KILN_COORDINATOR__SESSIONS__WORKER_TIMEOUT_MS: String(WORKER_TIMEOUT_MS) },
    });
  });

  afterAll(async () => {
    await doomed?.stop('SIGKILL');
    await reaper?.stop('SIGTERM');
    await kiln?.close();
  });

  it('answers a clear error within seconds, ends the session, and its container is reaped', async () => {
    doomed = spawnKiln('worker', workerEnv('doomed-session-worker'));
    await eventually(() => kiln.http().get('/health').then((r) => r.status), (status) => status === 200, 30_000, () => `a worker up; its output: ${doomed?.output()}`);
    const made = await client.create({ language: 'python' });
    expect(made.status).toBe(201);
    const id = made.body.id;
    expect((await client.post(`/sessions/${id}/run`, { context: 'main', code: 'x = 1' })).status).toBe(200);
    const [container] = await containersOfJob(id);
    expect(container).toMatchObject({ State: 'running', Labels: { 'kiln.worker': 'doomed-session-worker' } });

    // Killed in the middle of a run: the run's answer is a clear error, soon.
    const pending = client.post(`/sessions/${id}/run`, { code: 'import time\ntime.sleep(20)', timeoutMs: 25_000 });
    await new Promise((done) => setTimeout(done, 500));
    const killedAt = Date.now();
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const interrupted = await pending;
    expect(Date.now() - killedAt).toBeLessThan(WORKER_TIMEOUT_MS + 3000);
    expect([503, 410]).toContain(interrupted.status);
    expect(interrupted.body.error).toMatch(/worker doomed-session-worker/);

    // A new request knows at once that nobody listens any more.
    const startedAt = Date.now();
    const next = await client.post(`/sessions/${id}/run`, { context: 'main', code: 'x' });
    expect([503, 410]).toContain(next.status);
    expect(Date.now() - startedAt).toBeLessThan(2000);

    // Once the heartbeat is stale, the session is over (410) and says why.
    const ended = await eventually(
      () => client.post(`/sessions/${id}/run`, { context: 'main', code: 'x' }),
      (response) => response.status === 410,
      NODES_TIMEOUT_MS + 10_000,
      'the session ended once its worker’s heartbeat is stale',
    );
    expect(ended.body.error).toMatch(/has ended \(lost\): its worker doomed-session-worker is gone/);
    expect((await client.get(`/sessions/${id}`)).body).toMatchObject({ state: 'lost' });

    // Another worker of the deployment on this engine reaps what the dead one left.
    reaper = spawnKiln('worker', workerEnv('session-reaper-worker'));
    await workerUp(kiln, 'session-reaper-worker');
    await eventually(() => containersOfJob(id), (list) => list.length === 0, 20_000, () => `the session’s container reaped; reaper output: ${reaper?.output()}`);
  });
});
