import { randomBytes } from 'node:crypto';
import { unlinkSync, writeFileSync } from 'node:fs';
import type { AttackContext } from '../security/attacks';
import { greetingListener } from './host-listener';
import { createTestNetwork } from './test-network';

export interface AttackHost {
  /** The facts the attacks' checks need (test/security/attacks.ts). */
  context: AttackContext;
  close(): Promise<void>;
}

/**
 * What the hostile catalogue's checks look for on the host, set up before
 * Kiln starts: a canary secret in this process's environment (which the
 * worker and coordinator in it share), a canary in the host's /dev/shm, a
 * listener on a Docker network the test makes (the only host a sandbox
 * could try to reach).
 */
export async function prepareAttackHost(tag: string): Promise<AttackHost> {
  const canary = `kiln-canary-${randomBytes(12).toString('hex')}`;
  const shmCanary = `kiln-shm-canary-${randomBytes(6).toString('hex')}`;
  process.env.CANARY_SECRET_FOR_KILN_TESTS = canary;
  writeFileSync(`/dev/shm/${shmCanary}`, 'host');
  const listener = await greetingListener('hello from the host\n');
  const network = await createTestNetwork(tag);
  const listenerPort = String((listener.address() as { port: number }).port);
  return {
    context: { host: { canary, shmCanary, coordinatorPort: '8080', testHost: network.gateway, listenerPort } },
    async close() {
      delete process.env.CANARY_SECRET_FOR_KILN_TESTS;
      unlinkSync(`/dev/shm/${shmCanary}`);
      listener.close();
      await network.remove();
    },
  };
}
