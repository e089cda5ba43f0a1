import { spawnSync } from 'node:child_process';
import { Harness, startKiln } from '../support/kiln-harness';
import { identity, networkEgress, userNamespace } from './attacks';

/** sandbox.runtime: another OCI runtime (gVisor's runsc) where the host has it. */
describe('sandbox.runtime', () => {
  it('refuses to start with a runtime the engine does not have, saying which it has', async () => {
    await expect(startKiln({ coordinator: false, env: { KILN_SANDBOX__RUNTIME: 'nosuchruntime' } })).rejects.toThrow(
      /sandbox\.runtime is nosuchruntime, but the Docker engine has no such runtime \(it has: .*runc/,
    );
  });

  /** The one skip the suite allows: gVisor is not in Debian's archive, so most hosts here lack it. */
  const runtimes = spawnSync('docker', ['info', '--format', '{{json .Runtimes}}'], { encoding: 'utf8' }).stdout;
  const runscAvailable = runtimes.includes('"runsc"');
  if (!runscAvailable) console.warn('SKIPPED: gVisor (runsc) is not registered with this Docker engine; the runsc runs are not tested here.');

  (runscAvailable ? describe : describe.skip)('gVisor (runsc)', () => {
    let kiln: Harness;

    beforeAll(async () => {
      kiln = await startKiln({ env: { KILN_SANDBOX__RUNTIME: 'runsc' } });
    });

    afterAll(async () => {
      await kiln?.close();
    });

    it('runs programs, and the sandbox attacks still fail under runsc', async () => {
      for (const attack of [identity, networkEgress, userNamespace]) {
        const answer = await kiln.http().post('/execute').send(attack.request({ host: { coordinatorPort: '8080', testHost: '127.0.0.1', listenerPort: '9' } }));
        attack.check(answer.body, { host: {} });
      }
    });
  });
});
