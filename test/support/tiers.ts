import { modeEnv } from './sandbox-modes';

/**
 * The isolation tiers every sandbox suite runs in: a sandbox mode
 * (`sandbox.mode`) under an OCI runtime (`sandbox.runtime`). Where a tier
 * shows a rule differently by design, the attack that reads it is named
 * here with why; the tier's suite leaves it out and another test shows the
 * rule (or the gap is said plainly).
 */
export interface SandboxTier {
  name: 'container' | 'nested' | 'gvisor';
  mode: 'container' | 'nested';
  runtime: 'runc' | 'runsc';
  /** Hostile-code attacks (attacks.ts names) this tier's suite does not run, with why. */
  differs: Record<string, string>;
}

export const SANDBOX_TIERS: SandboxTier[] = [
  { name: 'container', mode: 'container', runtime: 'runc', differs: {} },
  { name: 'nested', mode: 'nested', runtime: 'runc', differs: {} },
  {
    name: 'gvisor',
    mode: 'container',
    runtime: 'runsc',
    differs: {
      'identity: root, capabilities, privileges, seccomp':
        "gVisor's /proc/self/status has no CapAmb or NoNewPrivs line; uid, CapEff/CapPrm/CapBnd and Seccomp 2 are shown by the other tiers' run and runtime.e2e-spec.ts",
      'sandbox-wide rlimits (nofile, fsize, core)': "gVisor's /proc has no /proc/<pid>/limits; the agent still sets the hard limits on every program",
      'cgroup limits (memory, swap, CPU quota, pids)':
        'the cgroup is the host’s, around gVisor’s whole kernel, and no cgroupfs is mounted inside; the memory bomb, busy loop and fork bombs show the limits hold',
    },
  },
];

/** The environment that selects the tier, named explicitly (the default mode, auto, would pick one by the host); see modeEnv. */
export function tierEnv(tier: SandboxTier): Record<string, string> {
  return { ...modeEnv(tier.mode), KILN_SANDBOX__RUNTIME: tier.runtime };
}
