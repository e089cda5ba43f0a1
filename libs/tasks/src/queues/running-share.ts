import { NodeBeat, nodeStatus } from './node-beat';

/** This worker, as it counts itself: by its configuration, whether or not its own heartbeat is written yet. */
export interface SelfWorker {
  id: string;
  concurrency: number;
}

/**
 * Task slots of one queue across the cluster: this worker's concurrency plus
 * that of every other worker that serves the queue and is UP (beating on
 * time, able to work).
 */
export function queueSlots(beats: NodeBeat[], queue: string, self: SelfWorker, now: number, timeoutMs: number): number {
  const others = beats.filter(
    (beat) => beat.role === 'worker' && beat.id !== self.id && beat.queues.includes(queue) && nodeStatus(beat, now, timeoutMs) === 'UP',
  );
  return others.reduce((sum, beat) => sum + beat.concurrency, self.concurrency);
}

/** Tasks one API key may run at once on a queue of `slots` slots: its share, rounded down, at least one. */
export function runningShareLimit(slots: number, share: number): number {
  return Math.max(1, Math.floor(slots * share + 1e-9));
}
