import { SandboxConfig } from '@kiln/config';
import { buildContainerSpec } from '../docker/container-spec';
import { DockerTier } from '../docker/docker-tier';
import { seccompSecurityOpt } from '../docker/seccomp-option';
import containerProfile from '../seccomp/container.json';
import { SingleUsePolicy } from './single-use.policy';

const seccompOption = (sandbox: SandboxConfig) =>
  seccompSecurityOpt({ key: 'sandbox.seccompProfile', path: sandbox.seccompProfile, builtIn: containerProfile });

/**
 * The strict tier (`sandbox.mode: container`): every task gets a fresh
 * container of its own, started ahead by the pool, removed after its task;
 * a container never serves two tasks. Its seccomp profile is Kiln's
 * container profile or sandbox.seccompProfile.
 */
export const containerTier: DockerTier = {
  mode: 'container',
  seccompOption,
  containerSpec: (spec, sandbox) => buildContainerSpec(spec, sandbox, { mode: 'container', seccomp: seccompOption(sandbox) }),
  poolPolicy: () => new SingleUsePolicy(),
  sandboxPerTask: false,
  // A container serves one task: named after it for all its life (the tests read the engine's renames).
  ownerNameDelayMs: () => 0,
  providers: [],
};
