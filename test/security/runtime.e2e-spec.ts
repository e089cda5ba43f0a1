import { release } from 'node:os';
import { Harness, startKiln } from '../support/kiln-harness';
import { networkEgress, userNamespace } from './attacks';

/** sandbox.runtime: another OCI runtime (gVisor's runsc) where the host has it. */
describe('sandbox.runtime', () => {
  it('refuses to start with a runtime the engine does not have, saying which it has', async () => {
    await expect(startKiln({ coordinator: false, env: { KILN_SANDBOX__RUNTIME: 'nosuchruntime' } })).rejects.toThrow(
      /sandbox\.runtime is nosuchruntime, but the Docker engine has no such runtime \(it has: .*runc/,
    );
  });

  it('refuses nested mode under runsc, saying why', async () => {
    await expect(startKiln({ coordinator: false, env: { KILN_SANDBOX__RUNTIME: 'runsc', KILN_SANDBOX__MODE: 'nested' } })).rejects.toThrow(
      /sandbox\.mode nested cannot run under sandbox\.runtime runsc: bubblewrap cannot start inside gVisor/,
    );
  });

  /** scripts/host-services.sh registers runsc (scripts/register-gvisor.sh); the hostile suite's gVisor tier runs the catalogue. */
  describe('gVisor (runsc)', () => {
    let kiln: Harness;

    beforeAll(async () => {
      kiln = await startKiln({ env: { KILN_SANDBOX__RUNTIME: 'runsc' } });
    });

    afterAll(async () => {
      await kiln?.close();
    });

    it('runs programs on gVisor’s kernel, not the host’s', async () => {
      const answer = await kiln.http().post('/execute').send({ language: 'bash', code: 'cat /proc/version' });
      expect(answer.body.run.stdout).toMatch(/^Linux version 4\.4\.0 /);
      expect(answer.body.run.stdout).not.toContain(release());
    });

    it('runs programs, and the sandbox attacks still fail under runsc', async () => {
      for (const attack of [networkEgress, userNamespace]) {
        const answer = await kiln.http().post('/execute').send(attack.request({ host: { coordinatorPort: '8080', testHost: '127.0.0.1', listenerPort: '9' } }));
        attack.check(answer.body, { host: {} });
      }
    });
  });
});
