/** A worker's sandbox tier: the mode and OCI runtime its sandboxes run in, as it chose them at start-up. */
export interface SandboxTierFacts {
  /** `container`, `nested` (or `scripted`: a runtime given in code). */
  mode: string;
  /** sandbox.runtime: `runc`, `runsc` (gVisor); `none` for a runtime given in code. */
  runtime: string;
  /** sandbox.mode as configured (`auto`, `container`, `nested`, or `given`). */
  setting: string;
  /** One sentence: why this tier. */
  reason: string;
}

/** A node's heartbeat, stored in the nodes hash; GET /nodes, /health and the orphan reaper read it. */
export interface NodeBeat {
  id: string;
  /** Random per start of the process; a worker's containers carry it as a label. */
  instance: string;
  role: 'worker' | 'coordinator';
  hostname: string;
  pid: number;
  version: string;
  startedAt: number;
  /** Queues a worker takes tasks from (coordinators: the queues they accept). */
  queues: string[];
  concurrency: number;
  /** Tasks running now. */
  running: number;
  /** Workers: the sessions it holds and the most it may (worker.sessions.max; 0: it takes none). */
  sessions?: { held: number; max: number };
  /** Warm sandbox pool, by image: ready containers (workers with a pool). */
  pool?: Record<string, number>;
  cpu: { load1: number; cores: number };
  memory: { rssBytes: number; hostFreeBytes: number; hostTotalBytes: number };
  /** Workers: whether their Docker engine answers. */
  docker?: { ok: boolean; error?: string };
  /** Workers: the sandbox tier in force for every queue they serve, and why. */
  sandbox?: SandboxTierFacts;
  /** False while the node refuses work (a worker without Docker); `reason` says why. */
  accepting: boolean;
  reason?: string;
  /** Epoch ms of the beat. */
  at: number;
}

export type NodeStatus = 'UP' | 'DOWN' | 'OFFLINE';

/**
 * Tork's model: UP beats on time and works; DOWN beats on time but cannot work
 * (its Docker engine is gone); OFFLINE has stopped beating.
 */
export function nodeStatus(beat: NodeBeat, now: number, timeoutMs: number): NodeStatus {
  if (now - beat.at > timeoutMs) return 'OFFLINE';
  return beat.accepting ? 'UP' : 'DOWN';
}
