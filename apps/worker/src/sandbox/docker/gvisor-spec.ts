import type { ContainerCreateOptions } from 'dockerode';
import { SandboxLimits } from '../sandbox-runtime';

/** The OCI runtime name of gVisor (`sandbox.runtime: runsc`). */
export const GVISOR_RUNTIME = 'runsc';

/**
 * Host tasks gVisor's own sandbox takes before the program starts (its
 * kernel's threads, the file proxy): about 40 here, and on its ptrace
 * platform each process of the program costs several more host threads and
 * a stub process (test/security/gvisor.e2e-spec.ts measures both).
 */
export const GVISOR_BASE_HOST_TASKS = 64;
export const GVISOR_HOST_TASKS_PER_PROCESS = 16;

/**
 * Reshapes a sandbox container for gVisor. Under runsc the host's pids cgroup
 * counts gVisor's own threads, not the program's processes, so a pids limit
 * of `processes + 1` would stop gVisor itself from booting. The program's
 * process limit moves inside gVisor instead: RLIMIT_NPROC, which gVisor's
 * kernel enforces per sandbox (under runc it would count every container of
 * the sandbox uid on the host, so it is set here only). The host's pids limit
 * stays as a backstop sized for gVisor's threads.
 */
export function asGvisorContainer(options: ContainerCreateOptions, limits: SandboxLimits): ContainerCreateOptions {
  const host = options.HostConfig ?? {};
  const tasks = limits.processes + 1;
  return {
    ...options,
    HostConfig: {
      ...host,
      Runtime: GVISOR_RUNTIME,
      PidsLimit: GVISOR_BASE_HOST_TASKS + GVISOR_HOST_TASKS_PER_PROCESS * tasks,
      Ulimits: [...(host.Ulimits ?? []).filter((u) => u.Name !== 'nproc'), { Name: 'nproc', Soft: tasks, Hard: tasks }],
    },
  };
}

/** runsc has no `update` command: its containers keep the limits they started with (pool-key.ts). */
export function updatesLimits(options: ContainerCreateOptions): boolean {
  return options.HostConfig?.Runtime !== GVISOR_RUNTIME;
}
