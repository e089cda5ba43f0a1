import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { NodeBeat, nodeStatus, NodeStatus, RedisKeys } from '@kiln/tasks';

/** A node that has been silent this long is forgotten (it was OFFLINE meanwhile). */
const FORGET_AFTER_MS = 3600_000;

export type NodeView = NodeBeat & { status: NodeStatus };

/** The cluster as its heartbeats describe it. */
@Injectable()
export class NodeRegistry {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: KilnConfig,
  ) {}

  async list(): Promise<NodeView[]> {
    const now = Date.now();
    const beats = Object.values(await this.redis.hgetall(this.keys.nodes())).map((raw) => JSON.parse(raw) as NodeBeat);
    const forgotten = beats.filter((beat) => now - beat.at > FORGET_AFTER_MS);
    if (forgotten.length) await this.redis.hdel(this.keys.nodes(), ...forgotten.map((beat) => beat.id));
    return beats
      .filter((beat) => now - beat.at <= FORGET_AFTER_MS)
      .map((beat) => ({ ...beat, status: nodeStatus(beat, now, this.config.coordinator.workerTimeoutMs) }))
      .sort((a, b) => a.role.localeCompare(b.role) || a.id.localeCompare(b.id));
  }

  /** Workers that beat on time, whether or not they can work. */
  async aliveWorkers(): Promise<NodeView[]> {
    return (await this.list()).filter((node) => node.role === 'worker' && node.status !== 'OFFLINE');
  }

  /** Whether some worker is UP (alive, with a working Docker engine). */
  async anyReady(): Promise<boolean> {
    return (await this.aliveWorkers()).some((node) => node.status === 'UP');
  }
}
