import type { ContainerCreateOptions } from 'dockerode';
import { readFileSync } from 'node:fs';
import { SandboxConfig } from '@kiln/config';
import nestedOuterProfile from './seccomp/nested-outer.json';

/** The outer container's agent, bwrap's monitor process and the inner agent. */
export const NESTED_EXTRA_PROCESSES = 2;

const builtInProfile = JSON.stringify(nestedOuterProfile);
const profiles = new Map<string, string>();

/** The built-in profile, or the operator's (sandbox.nested.seccompProfile), read once. */
function seccompProfile(path: string): string {
  if (!path) return builtInProfile;
  let text = profiles.get(path);
  if (text === undefined) {
    text = JSON.stringify(JSON.parse(readFileSync(path, 'utf8')));
    profiles.set(path, text);
  }
  return text;
}

/**
 * Turns a sandbox container into nested mode's outer container: its agent
 * supervises one bubblewrap sandbox after another (images/agent/
 * nested-supervisor.c). bwrap needs two things Docker's defaults forbid: the
 * namespace and mount calls (a seccomp profile that is Docker's default plus
 * exactly those, seccomp/README.md) and a /proc without Docker's masks
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
      SecurityOpt: [...(host.SecurityOpt ?? []), `seccomp=${seccompProfile(sandbox.nested.seccompProfile)}`],
      MaskedPaths: [],
      ReadonlyPaths: [],
      ...(host.PidsLimit ? { PidsLimit: host.PidsLimit + NESTED_EXTRA_PROCESSES } : {}),
    },
  };
}
