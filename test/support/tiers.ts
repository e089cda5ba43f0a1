import { modeEnv } from './sandbox-modes';

/**
 * The isolation tiers every sandbox suite runs in: a sandbox mode
 * (`sandbox.mode`) under an OCI runtime (`sandbox.runtime`). Where a tier
 * shows a rule differently by design, the attack that reads it is named
 * here with why; the tier's suite leaves it out and another test shows the
 * rule (or the gap is said plainly). The sandbox-rules suite keeps its own
 * table of how each tier shows each container setting
 * (test/security/sandbox-rules.e2e-spec.ts, TIER_ROWS).
 */
export interface SandboxTier {
  name: 'container' | 'nested' | 'gvisor';
  mode: 'container' | 'nested';
  runtime: 'runc' | 'runsc';
  /** Hostile-code attacks (attacks.ts names) this tier's suite does not run, with why. */
  differs: Record<string, string>;
  /**
   * What a program sees or gets differently in this tier where every suite
   * still runs (nothing left out): the suites' checks allow for it, and
   * SECURITY.md ("Isolation tiers") says it to operators.
   */
  behaves: Record<string, string>;
}

export const SANDBOX_TIERS: SandboxTier[] = [
  { name: 'container', mode: 'container', runtime: 'runc', differs: {}, behaves: {} },
  { name: 'nested', mode: 'nested', runtime: 'runc', differs: {}, behaves: {} },
  {
    name: 'gvisor',
    mode: 'container',
    runtime: 'runsc',
    differs: {
      'identity: root, capabilities, privileges, seccomp':
        "gVisor's /proc/self/status has no CapAmb or NoNewPrivs line; uid and CapEff/CapPrm/CapBnd are read here by the `root or capabilities` attack, no-new-privileges is shown by the setuid one (su), Seccomp 2 by the other tiers' run and runtime.e2e-spec.ts",
      'sandbox-wide rlimits (nofile, fsize, core)':
        "gVisor's /proc has no /proc/<pid>/limits; the hard limits the agent sets on every program are read by the `program's own hard rlimits` attack",
      'cgroup limits (memory, swap, CPU quota, pids)':
        'the cgroup is the host’s, around gVisor’s whole kernel, and no cgroupfs is mounted inside; the memory bomb, busy loop and fork bombs show the limits hold',
    },
    behaves: {
      'fork bomb (C), verdict':
        "gVisor's ptrace platform gives each of the program's processes host threads, which multiply while a fork bomb is held at its process limit until the host pids limit stops gVisor's kernel (some 13-30 s in): RUNTIME_ERROR (SIGKILL) then, TIMEOUT within a shorter time limit; under runc always TIMEOUT (runtime.e2e-spec.ts, sandbox-death.ts)",
      'memory bomb, cpuTimeMs and memoryBytes':
        "the host's OOM killer ends the whole sandbox (gVisor's kernel with the program): MEMORY_LIMIT from the engine's OOMKilled (or its oom event: sandbox-death.ts), memoryBytes the limit, cpuTimeMs 0 (nothing is left to ask)",
      'cpuTimeMs under contention':
        "gVisor accounts a task's CPU time as the time it was running in gVisor's kernel: with more runnable tasks than host CPUs (a fork bomb) the sum exceeds wall time × CPUs, and the agent's live CPU watch counts it so too (more busy processes than CPUs reach cpuTimeMs sooner in wall time); a single busy loop reads as under runc (accounting.e2e-spec.ts)",
      'leftover processes':
        "the program's processes live inside gVisor's kernel and never appear in the host's process table: the leftover suite checks that the task's container is gone instead (leftovers.e2e-spec.ts)",
      'killing the agent':
        "gVisor 20221219 delivers SIGKILL to the sandbox's PID 1 from inside (Linux never does): a program can end its own sandbox, which is then its own RUNTIME_ERROR with a note on stderr, not Kiln's failure (sandbox-death.ts); under runc the agent survives",
      'statx of a named path':
        "gVisor 20221219 answers statx with AT_NO_AUTOMOUNT with EINVAL, so coreutils' `ls DIR`, `stat FILE` fail there (`ls` of the current directory works); programs that call stat/fstatat are unaffected",
    },
  },
];

/** The environment that selects the tier, named explicitly (the default mode, auto, would pick one by the host); see modeEnv. */
export function tierEnv(tier: SandboxTier): Record<string, string> {
  return { ...modeEnv(tier.mode), KILN_SANDBOX__RUNTIME: tier.runtime };
}
