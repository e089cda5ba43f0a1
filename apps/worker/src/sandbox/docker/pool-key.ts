import type { ContainerCreateOptions } from 'dockerode';
import { createHash } from 'node:crypto';
import { updatesLimits } from './gvisor-spec';

/** Security options longer than this (a seccomp profile) are keyed by their digest. */
const LONG_OPTION = 256;
const digests = new Map<string, string>();

function digestOf(text: string): string {
  let digest = digests.get(text);
  if (digest === undefined) {
    digest = `sha256:${createHash('sha256').update(text).digest('hex')}`;
    if (digests.size > 64) digests.clear();
    digests.set(text, digest);
  }
  return digest;
}

/** cgroup limits the pool changes on a ready container with Docker's update API. */
export const UPDATABLE_LIMITS = ['Memory', 'MemorySwap', 'NanoCpus', 'PidsLimit'] as const;

/**
 * Which ready containers can serve a task: those built from the same
 * container configuration, whatever their limit values (those are updated
 * before use) and labels (they name the pool, not the task). Whether a limit
 * is set at all is part of the key, so a configuration without a limit never
 * gets a container that has one, nor the other way round. A runtime that
 * cannot update limits (gVisor) keeps their values in the key: its
 * containers serve only tasks with the limits they started with.
 */
export function poolKey(options: ContainerCreateOptions): string {
  const host = { ...(options.HostConfig ?? {}) } as Record<string, unknown>;
  if (updatesLimits(options)) for (const limit of UPDATABLE_LIMITS) if (limit in host) host[limit] = host[limit] === undefined ? 'unset' : 'set';
  // A seccomp profile is tens of kilobytes: it enters the key by its digest, computed once per profile.
  if (Array.isArray(host.SecurityOpt)) host.SecurityOpt = host.SecurityOpt.map((option: string) => (option.length > LONG_OPTION ? digestOf(option) : option));
  const shape = { ...options, Labels: undefined, name: undefined, HostConfig: host };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 24);
}

/** The update API's body: the limits a task's configuration asks for. */
export function limitUpdate(options: ContainerCreateOptions): Record<string, number> {
  const host = (options.HostConfig ?? {}) as Record<string, unknown>;
  const update: Record<string, number> = {};
  for (const limit of UPDATABLE_LIMITS) if (typeof host[limit] === 'number') update[limit] = host[limit] as number;
  return update;
}
