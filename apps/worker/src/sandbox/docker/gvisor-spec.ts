import type { ContainerCreateOptions } from 'dockerode';
import { SandboxLimits } from '../sandbox-runtime';

/** The OCI runtime name of gVisor (`sandbox.runtime: runsc`). */
export const GVISOR_RUNTIME = 'runsc';

/**
 * Host tasks gVisor's own sandbox takes: about 40 before the program starts
 * (its kernel's threads, the file proxy), about 8 more per process of the
 * program on its ptrace platform, and a fork bomb held at RLIMIT_NPROC still
 * grows them by some 300 a second (measured with Debian's runsc 20221219).
 * Past the host limit gVisor's kernel exits (Go's fatal status 2), which
 * sandbox-death.ts answers as the program's own doing: a C fork bomb of the
 * default 64 processes gets there after some 13 to 30 s, so one within a
 * shorter time limit ends TIMEOUT, one with a longer RUNTIME_ERROR (killed).
 */
export const GVISOR_BASE_HOST_TASKS = 64;
export const GVISOR_HOST_TASKS_PER_PROCESS = 64;

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
