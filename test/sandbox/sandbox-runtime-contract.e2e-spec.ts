import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Docker from 'dockerode';
import { KilnConfigModule, loadConfig } from '@kiln/config';
import { StoreModule } from '@kiln/store';
import { configuredRuntime } from '../../apps/worker/src/runtime-choice';
import { SandboxRuntime } from '../../apps/worker/src/sandbox/sandbox-runtime';
import { TEST_REDIS_URL } from '../support/environment';
import { REPO_ROOT } from '../support/kiln-harness';
import { describeRuntimeContract } from '../support/runtime-contract';
import { testPrefix } from '../support/test-run';
import { SANDBOX_TIERS, tierEnv } from '../support/tiers';

/**
 * Issue 13, acceptance 2: each Docker-backed adapter under the SandboxRuntime
 * contract, built as a worker gets it (runtime-choice.ts, its checks, its
 * Nest modules), against the real engine, in every tier (issue 15: the
 * container tier under gVisor too). Nested mode keeps one outer container,
 * so consecutive leases share it.
 */
for (const tier of SANDBOX_TIERS) {
  const { mode } = tier;
  describeRuntimeContract(tier.name, async () => {
    const prefix = testPrefix(`contract-${tier.name}`);
    const env = { KILN_HOME: REPO_ROOT, KILN_REDIS__URL: TEST_REDIS_URL, KILN_REDIS__PREFIX: prefix, KILN_WORKER__ID: `${prefix}-worker`, KILN_LOGGING__LEVEL: 'warn' };
    const loaded = loadConfig({ ...process.env, ...env, ...tierEnv(tier), KILN_SANDBOX__POOL__SIZE: '1', KILN_WORKER__CONCURRENCY: '1' });
    const adapter = await configuredRuntime(loaded);
    expect(adapter.choice.mode).toBe(mode);
    // StoreModule: the orphan reaper of the Docker-backed tiers reads the nodes' heartbeats.
    @Module({ imports: [KilnConfigModule.forRoot(loaded), StoreModule, ...adapter.modules] })
    class ContractModule {}
    const app = await NestFactory.createApplicationContext(ContractModule, { logger: ['error', 'warn'] });
    const runtime = app.get(SandboxRuntime);
    expect(runtime.tier).toBe(mode);
    const docker = new Docker();
    return {
      runtime,
      sandboxesLeft: async () => (await docker.listContainers({ all: true, filters: { label: [`kiln.deployment=${prefix}`] } })).length,
      close: () => app.close(),
    };
  });
}
