import { NodeBeat, nodeStatus } from '@kiln/tasks';

export interface SandboxContainer {
  id: string;
  instance?: string;
  workerId?: string;
  createdAt?: number;
}

export interface ReapFacts {
  now: number;
  myInstance: string;
  /** This worker's id: a container of this id but another instance is a predecessor's. */
  myWorkerId: string;
  /** This worker's containers that serve a task now (or, nested mode, rest between two tasks). */
  inUse: ReadonlySet<string>;
  /** Heartbeats by worker id. */
  beats: Map<string, NodeBeat>;
  workerTimeoutMs: number;
  maxAgeMs: number;
}

export type ReapReason = 'too old' | 'owner gone';

/**
 * Whether a Kiln sandbox container is an orphan. A container belongs to the
 * worker instance that made it, and only that instance knows whether it is
 * in use: pooled containers carry no job label (they are started before
 * their job exists), so a container's job cannot say it is over.
 *
 * - Another worker's container is removed once its owner is gone (no fresh
 *   heartbeat from that instance: OFFLINE, stopped, or restarted), never
 *   while the owner lives, whatever its age: the owner judges its own. A
 *   worker starts its pool as it writes its first heartbeat, so a container
 *   younger than nodes.timeoutMs whose owner has not beaten yet is left to a
 *   later sweep: by then a live owner has said so.
 * - A container of this worker's own id but another instance is its
 *   predecessor's (one worker id runs once): removed at once.
 * - This worker's own container is never removed while in use, however long
 *   it has served (a nested outer container serves task after task); one not
 *   in use is removed past sandbox.maxContainerAgeMs (a container the pool
 *   lost track of, or kept too long).
 */
export function reapReason(container: SandboxContainer, facts: ReapFacts): ReapReason | null {
  if (container.instance === facts.myInstance) {
    if (facts.inUse.has(container.id)) return null;
    return isTooOld(container, facts) ? 'too old' : null;
  }
  if (ownerAlive(container, facts) || mayBeStarting(container, facts)) return null;
  return 'owner gone';
}

/** Another worker's container made so recently that its owner may not have written its first heartbeat yet. */
function mayBeStarting(container: SandboxContainer, facts: ReapFacts): boolean {
  if (!container.workerId || !container.instance || container.workerId === facts.myWorkerId) return false;
  return container.createdAt !== undefined && facts.now - container.createdAt < facts.workerTimeoutMs;
}

function isTooOld(container: SandboxContainer, facts: ReapFacts): boolean {
  return container.createdAt !== undefined && facts.now - container.createdAt > facts.maxAgeMs;
}

function ownerAlive(container: SandboxContainer, facts: ReapFacts): boolean {
  const beat = container.workerId ? facts.beats.get(container.workerId) : undefined;
  if (!beat || beat.instance !== container.instance) return false;
  return nodeStatus(beat, facts.now, facts.workerTimeoutMs) !== 'OFFLINE';
}
