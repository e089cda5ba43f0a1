import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '@kiln/redis';
import { NodeBeat } from '@kiln/tasks';
import { RedisKeys } from '../redis-keys';

/**
 * Every node's latest heartbeat, in one hash by node id: each node writes its
 * own (NodeHeartbeat) and removes it when it stops; coordinators (GET /nodes,
 * /health, admission) and workers (fair share, the orphan reaper) read them.
 */
@Injectable()
export class NodeRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async beats(): Promise<NodeBeat[]> {
    return Object.values(await this.redis.hgetall(this.keys.nodes())).map((raw) => JSON.parse(raw) as NodeBeat);
  }

  async write(beat: NodeBeat): Promise<void> {
    await this.redis.hset(this.keys.nodes(), beat.id, JSON.stringify(beat));
  }

  /** Forgets nodes (a stopping node itself, or nodes silent for long). */
  async remove(ids: string[]): Promise<void> {
    if (ids.length) await this.redis.hdel(this.keys.nodes(), ...ids);
  }

  /** Whether the command connection is up now: a stopping node says goodbye only then. */
  connected(): boolean {
    return this.redis.status === 'ready';
  }
}
