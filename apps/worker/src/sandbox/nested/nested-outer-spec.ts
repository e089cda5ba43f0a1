import type { ContainerCreateOptions } from 'dockerode';
import { SandboxConfig } from '@kiln/config';

/** The outer container's agent, bwrap's monitor process and the inner agent. */
export const NESTED_EXTRA_PROCESSES = 2;

/**
 * Turns a sandbox container into nested mode's outer container: its agent
 * supervises one bubblewrap sandbox after another (images/agent/
 * nested-supervisor.c). bwrap needs two things Docker's defaults forbid: the
 * namespace and mount calls (the container's seccomp profile is then Kiln's
 * nested-outer one, which adds exactly those: nested-tier.ts,
 * ../seccomp/README.md) and a /proc without Docker's masks
 * (`systempaths=unconfined`: empty MaskedPaths/ReadonlyPaths), which the nested
 * sandbox puts back over its own fresh /proc. Everything else — no network,
 * no capabilities, no-new-privileges, read-only root, limits — stays as it is.
 */
export function asNestedOuterContainer(options: ContainerCreateOptions, sandbox: SandboxConfig): ContainerCreateOptions {
  const host = options.HostConfig ?? {};
  return {
    ...options,
    Cmd: ['--nested', '--workspace-mb', `${sandbox.workspaceMb}`, '--tmp-mb', `${sandbox.tmpMb}`, '--shm-mb', `${sandbox.shmMb}`],
    HostConfig: {
      ...host,
      MaskedPaths: [],
      ReadonlyPaths: [],
      ...(host.PidsLimit ? { PidsLimit: host.PidsLimit + NESTED_EXTRA_PROCESSES } : {}),
    },
  };
}
