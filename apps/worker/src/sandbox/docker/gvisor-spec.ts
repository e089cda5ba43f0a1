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
      SecurityOpt: host.SecurityOpt?.map(asGvisorSecurityOpt),
      PidsLimit: GVISOR_BASE_HOST_TASKS + GVISOR_HOST_TASKS_PER_PROCESS * tasks,
      Ulimits: [...(host.Ulimits ?? []).filter((u) => u.Name !== 'nproc'), { Name: 'nproc', Soft: tasks, Hard: tasks }],
    },
  };
}

const ENOSYS = 38;
const SECCOMP_OPTION = 'seccomp=';

interface SeccompRule {
  names: string[];
  action: string;
  errnoRet?: number;
  [key: string]: unknown;
}

/** The options as runsc applies them, by the option given (one string each, the same every time: pool-key.ts digests it once). */
const gvisorOptions = new Map<string, string>();

/**
 * A seccomp option as runsc (`--oci-seccomp`, release 20221219) can apply it.
 * runsc does not honour a rule's `errnoRet`: a call the profile answers
 * "not implemented" (ENOSYS: clone3, in Docker's default allow-list and so in
 * Kiln's) gets EPERM instead, and glibc, which falls back from clone3 to
 * clone only on ENOSYS, then cannot start a thread: no Node, no JVM, no
 * Python thread. Such rules are allowed here instead, since gVisor's own
 * kernel answers those calls (clone3 is ENOSYS in this release; were a later
 * one to implement it, the namespaces it could make are gVisor's, never the
 * host kernel's). Every other rule stays as it is.
 */
export function asGvisorSecurityOpt(option: string): string {
  if (!option.startsWith(SECCOMP_OPTION)) return option;
  let rewritten = gvisorOptions.get(option);
  if (rewritten === undefined) {
    const profile = JSON.parse(option.slice(SECCOMP_OPTION.length)) as { syscalls?: SeccompRule[] };
    const syscalls = profile.syscalls?.map((rule) => (notImplemented(rule) ? allowed(rule) : rule));
    rewritten = SECCOMP_OPTION + JSON.stringify({ ...profile, ...(syscalls ? { syscalls } : {}) });
    if (gvisorOptions.size > 16) gvisorOptions.clear();
    gvisorOptions.set(option, rewritten);
  }
  return rewritten;
}

const notImplemented = (rule: SeccompRule) => rule.action === 'SCMP_ACT_ERRNO' && rule.errnoRet === ENOSYS;

function allowed({ errnoRet: _errno, ...rule }: SeccompRule): SeccompRule {
  return { ...rule, action: 'SCMP_ACT_ALLOW' };
}

/** runsc has no `update` command: its containers keep the limits they started with (pool-key.ts). */
export function updatesLimits(options: ContainerCreateOptions): boolean {
  return options.HostConfig?.Runtime !== GVISOR_RUNTIME;
}
