import Docker from 'dockerode';
import { testPrefix } from './test-run';

export interface TestNetwork {
  name: string;
  /** The host's own address on the network: where a listener the test runs can be reached from it. */
  gateway: string;
  remove(): Promise<void>;
}

/**
 * A Docker network this run makes for itself, `internal` so that it has no
 * route off the machine: a container on it reaches the host's side of the
 * bridge (where the test's own listener waits) and nothing beyond. It is the
 * only network a deliberately weakened sandbox is ever given, so even an
 * attack that succeeds sends no packet off this machine.
 */
export async function createTestNetwork(tag: string): Promise<TestNetwork> {
  const docker = new Docker();
  const name = testPrefix(tag);
  const network = await docker.createNetwork({ Name: name, Internal: true, Labels: { 'kiln.test-run': name } });
  const info = await network.inspect();
  const gateway = info.IPAM?.Config?.[0]?.Gateway;
  if (!gateway) {
    await network.remove();
    throw new Error(`test network ${name} has no gateway address: ${JSON.stringify(info.IPAM)}`);
  }
  return { name, gateway, remove: () => network.remove() };
}
