import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { NodeBeat, queueSlots, RedisKeys, runningShareLimit } from '@kiln/tasks';
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
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly identity: WorkerIdentity,
    private readonly config: KilnConfig,
  ) {}

  async runningLimit(queue: string): Promise<number> {
    const now = Date.now();
    if (now - this.readAt >= this.config.worker.heartbeatMs) {
      this.beats = Object.values(await this.redis.hgetall(this.keys.nodes())).map((raw) => JSON.parse(raw) as NodeBeat);
      this.readAt = now;
    }
    const self = { id: this.identity.id, concurrency: this.config.worker.concurrency };
    const slots = queueSlots(this.beats, queue, self, now, this.config.coordinator.workerTimeoutMs);
    return runningShareLimit(slots, this.config.worker.perKey.runningShare);
  }
}
