import { once } from 'node:events';
import { createServer } from 'node:net';
import { REPO_ROOT } from '../support/kiln-harness';
import { freePort, spawnKiln } from '../support/processes';
import { sandboxesOf } from '../support/sandboxes';
import { testPrefix } from '../support/test-run';

/** A worker's start-up failures that need its Docker engine to get that far (the coordinator's: startup.component-spec.ts). */
describe('kiln worker start-up', () => {
  const prefix = testPrefix('worker-startup');

  it('names the setting when its metrics port is taken (exit 1), leaving no sandbox', async () => {
    const port = await freePort();
    const taken = createServer().listen(port, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const env = { KILN_HOME: REPO_ROOT, KILN_LOGGING__LEVEL: 'warn', KILN_REDIS__PREFIX: prefix, KILN_TELEMETRY__METRICS__WORKER_PORT: String(port) };
      const kiln = spawnKiln('worker', { ...env, KILN_SANDBOX__MODE: 'container', KILN_SANDBOX__POOL__SIZE: '0' });
      expect(await kiln.exited).toBe(1);
      expect(kiln.output()).toContain(`kiln: cannot start: cannot listen on 127.0.0.1:${port} (telemetry.metrics.workerPort): listen EADDRINUSE`);
      expect(await sandboxesOf(prefix)).toEqual([]);
    } finally {
      taken.close();
    }
  });
});
