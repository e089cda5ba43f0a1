import { SandboxConfig } from '@kiln/config';
import { buildContainerSpec } from '../docker/container-spec';
import { DockerTier } from '../docker/docker-tier';
import { seccompSecurityOpt } from '../docker/seccomp-option';
import nestedOuterProfile from '../seccomp/nested-outer.json';
import { asNestedOuterContainer } from './nested-outer-spec';
import { NestedReusePolicy } from './nested-reuse.policy';

const seccompOption = (sandbox: SandboxConfig) =>
  seccompSecurityOpt({ key: 'sandbox.nested.seccompProfile', path: sandbox.nested.seccompProfile, builtIn: nestedOuterProfile });

/**
 * The fast tier (`sandbox.mode: nested`): every task gets a fresh bubblewrap
 * sandbox (images/agent/nested-supervisor.c) inside a pooled, hardened outer
 * container that serves task after task, retired after
 * sandbox.nested.tasksPerContainer tasks or any task that did not end
 * cleanly. The host must allow unprivileged user namespaces: the worker
 * checks at start-up, before it is built (nested-host.check.ts, called by
 * runtime-choice.ts).
 */
export const nestedTier: DockerTier = {
  mode: 'nested',
  seccompOption,
  containerSpec: (spec, sandbox) => asNestedOuterContainer(buildContainerSpec(spec, sandbox, { mode: 'nested', seccomp: seccompOption(sandbox) }), sandbox),
  poolPolicy: (config) => new NestedReusePolicy(config),
  sandboxPerTask: true,
  // An outer container serves task after task: only a task that runs a while is worth two renames.
  ownerNameDelayMs: (sandbox) => sandbox.nested.nameAfterMs,
  providers: [],
  refusedRuntimes: {
    // Found by running bwrap under Debian's runsc (release 20221219): test/security/runtime.e2e-spec.ts.
    runsc:
      "bubblewrap cannot start inside gVisor (its kernel has no /proc/sys/kernel/overflowuid), and gVisor's own kernel is already the stronger boundary; " +
      'run gVisor with sandbox.mode container',
  },
};
