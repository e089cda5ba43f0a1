import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { RedisKeys, WorkerBeat } from '@kiln/tasks';

/** Reads the workers' heartbeats: who is alive, and whose Docker engine answers. */
@Injectable()
export class WorkerAvailability {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: KilnConfig,
  ) {}

  async aliveWorkers(): Promise<WorkerBeat[]> {
    const beats = Object.values(await this.redis.hgetall(this.keys.workers())).map((raw) => JSON.parse(raw) as WorkerBeat);
    const cutoff = Date.now() - this.config.coordinator.workerTimeoutMs;
    return beats.filter((beat) => beat.at >= cutoff);
  }

  async anyReady(): Promise<boolean> {
    return (await this.aliveWorkers()).some((beat) => beat.dockerOk);
  }
}
