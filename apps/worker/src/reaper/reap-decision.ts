import { JobState, isTerminalJobState, NodeBeat } from '@kiln/tasks';

export interface SandboxContainer {
  id: string;
  instance?: string;
  workerId?: string;
  jobId?: string;
  createdAt?: number;
}

export interface ReapFacts {
  now: number;
  myInstance: string;
  /** Heartbeats by worker id. */
  beats: Map<string, NodeBeat>;
  /** State of each job a container is labelled with; null when the record is gone. */
  jobStates: Map<string, JobState | null>;
  workerTimeoutMs: number;
  maxAgeMs: number;
}

export type ReapReason = 'too old' | 'owner gone' | 'job over' | 'job unknown';

/**
 * Whether a Kiln sandbox container is an orphan. A container belongs to the
 * worker instance that made it; another worker only removes it when that
 * owner is gone (no fresh heartbeat from that instance), its job is over or
 * unknown, or it outlived the hard maximum age.
 */
export function reapReason(container: SandboxContainer, facts: ReapFacts): ReapReason | null {
  if (container.createdAt !== undefined && facts.now - container.createdAt > facts.maxAgeMs) return 'too old';
  if (container.instance === facts.myInstance) return null;
  if (!ownerAlive(container, facts)) return 'owner gone';
  if (!container.jobId) return null;
  const state = facts.jobStates.get(container.jobId);
  if (state === null || state === undefined) return 'job unknown';
  return isTerminalJobState(state) ? 'job over' : null;
}

function ownerAlive(container: SandboxContainer, facts: ReapFacts): boolean {
  const beat = container.workerId ? facts.beats.get(container.workerId) : undefined;
  if (!beat || beat.instance !== container.instance) return false;
  return facts.now - beat.at <= facts.workerTimeoutMs;
}
