import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { NodeRepository } from '@kiln/store';
import { NodeBeat, queueSlots, runningShareLimit } from '@kiln/tasks';
import { WorkerIdentity } from '../identity/worker-identity';

/**
 * How many tasks one API key may run at once on a queue
 * (worker.perKey.runningShare of the queue's slots across the cluster), from
 * the workers' heartbeats, read at most once per heartbeat interval.
 */
@Injectable()
export class QueueSlots {
  private beats: NodeBeat[] = [];
  private readAt = 0;

  constructor(
    private readonly nodes: NodeRepository,
    private readonly identity: WorkerIdentity,
    private readonly config: KilnConfig,
  ) {}

  async runningLimit(queue: string): Promise<number> {
    const now = Date.now();
    if (now - this.readAt >= this.config.nodes.heartbeatMs) {
      this.beats = await this.nodes.beats();
      this.readAt = now;
    }
    const self = { id: this.identity.id, concurrency: this.config.worker.concurrency };
    const slots = queueSlots(this.beats, queue, self, now, this.config.nodes.timeoutMs);
    return runningShareLimit(slots, this.config.worker.perKey.runningShare);
  }
}
