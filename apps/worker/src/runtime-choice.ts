import type { DynamicModule, Type } from '@nestjs/common';
import type { ContainerCreateOptions } from 'dockerode';
import { LoadedConfig, SandboxConfig, SandboxMode } from '@kiln/config';
import { ReaperModule } from './reaper/reaper.module';
import { containerTier } from './sandbox/container/container-tier';
import { SandboxSpec } from './sandbox/docker/container-spec';
import { assertDockerReachable, assertRuntimeAvailable, assertTierRunsOn, startupLauncher } from './sandbox/docker/docker-preflight';
import { DockerRuntimeModule } from './sandbox/docker/docker-runtime.module';
import { DockerTier } from './sandbox/docker/docker-tier';
import { GivenRuntimeModule } from './sandbox/given-runtime.module';
import { nestedModeUnavailable, nestedSandboxProblem } from './sandbox/nested/nested-host.check';
import { nestedTier } from './sandbox/nested/nested-tier';
import { SandboxChoice, SandboxChoiceModule } from './sandbox/sandbox-choice';
import { SandboxRuntime } from './sandbox/sandbox-runtime';

/** The worker's sandbox runtime, chosen and checked, as the worker is built with it. */
export interface RuntimeAdapter {
  /** The Nest modules that make it up; one of them provides SandboxRuntime, another SandboxChoice, to the whole worker. */
  modules: (DynamicModule | Type)[];
  /** The tier in force and why. */
  choice: SandboxChoice;
}

/** One Docker-backed tier per sandbox mode. */
const DOCKER_TIERS: Record<SandboxMode, DockerTier> = { container: containerTier, nested: nestedTier };

/**
 * The one place that chooses the adapter, once, at start-up, before the
 * worker is built; nothing below asks for the mode again. sandbox.mode's
 * tier, or for `auto` the nested tier where this host can create a nested
 * sandbox (one is tried) and the container tier where it cannot; with the
 * orphan reaper that every Docker-backed tier needs. Throws what the
 * operator must fix: no engine, no OCI runtime, an unusable seccomp profile,
 * nested mode asked for on a host that cannot give it.
 */
export async function configuredRuntime(loaded: LoadedConfig): Promise<RuntimeAdapter> {
  const { config } = loaded;
  await assertDockerReachable();
  await assertRuntimeAvailable(config.sandbox.runtime);
  const { tier, reason } = await chooseTier(loaded);
  assertTierRunsOn(tier, config.sandbox.runtime);
  // An operator's seccomp profile that cannot be used stops the worker here, not at its first task.
  tier.seccompOption(config.sandbox);
  const choice = new SandboxChoice(tier.mode, config.sandbox.runtime, config.sandbox.mode, reason);
  return { modules: [SandboxChoiceModule.of(choice), DockerRuntimeModule.forTier(tier), ReaperModule], choice };
}

async function chooseTier({ config, languages }: LoadedConfig): Promise<{ tier: DockerTier; reason: string }> {
  const setting = config.sandbox.mode;
  if (setting === 'container') return { tier: containerTier, reason: 'sandbox.mode is container: a fresh container per task' };
  const refused = nestedTier.refusedRuntimes?.[config.sandbox.runtime];
  if (setting === 'auto' && refused) {
    return { tier: containerTier, reason: `sandbox.mode is auto under sandbox.runtime ${config.sandbox.runtime}, where nested sandboxes cannot run: a fresh container per task` };
  }
  // Explicit nested mode under a runtime it cannot run on is refused by assertTierRunsOn, without a probe.
  if (refused) return { tier: nestedTier, reason: 'sandbox.mode is nested' };
  nestedTier.seccompOption(config.sandbox);
  const problem = await nestedSandboxProblem(startupLauncher(config, nestedTier), languages);
  if (setting === 'nested') {
    if (problem) throw nestedModeUnavailable(problem);
    return { tier: nestedTier, reason: 'sandbox.mode is nested, and this host creates nested sandboxes' };
  }
  return problem
    ? { tier: containerTier, reason: `sandbox.mode is auto, and this host cannot create nested sandboxes (${problem}): a fresh container per task` }
    : { tier: nestedTier, reason: 'sandbox.mode is auto, and this host creates nested sandboxes (unprivileged user namespaces): a fresh nested sandbox per task' };
}

/** A runtime the caller made (tests: a ScriptedSandboxRuntime): no Docker, so no checks and no reaper. */
export function givenRuntime(runtime: SandboxRuntime): RuntimeAdapter {
  const choice = new SandboxChoice(runtime.tier, 'none', 'given', 'a runtime given in code, not by configuration');
  return { modules: [SandboxChoiceModule.of(choice), GivenRuntimeModule.of(runtime)], choice };
}

/** The container configuration a tier gives a sandbox (the bench scripts build theirs with it). */
export function sandboxContainerSpec(mode: SandboxMode, spec: SandboxSpec, sandbox: SandboxConfig): ContainerCreateOptions {
  return DOCKER_TIERS[mode].containerSpec(spec, sandbox);
}
