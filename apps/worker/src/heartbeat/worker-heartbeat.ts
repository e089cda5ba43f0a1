import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import Docker from 'dockerode';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { RedisKeys, WorkerBeat } from '@kiln/tasks';
import { WorkerIdentity } from './worker-identity';

/** Tells the coordinators this worker is alive and whether its Docker engine answers. */
@Injectable()
export class WorkerHeartbeat implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WorkerHeartbeat.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly identity: WorkerIdentity,
    private readonly docker: Docker,
    private readonly config: KilnConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.config.worker.heartbeatMs);
    this.timer.unref();
  }

  /** A stopping worker takes no new tasks, so it stops announcing itself at once. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.hdel(this.keys.workers(), this.identity.id).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    const dockerOk = await this.docker.ping().then(() => true, () => false);
    const beat: WorkerBeat = {
      id: this.identity.id,
      instance: this.identity.instance,
      hostname: this.identity.hostname,
      pid: process.pid,
      concurrency: this.config.worker.concurrency,
      dockerOk,
      at: Date.now(),
    };
    await this.redis
      .hset(this.keys.workers(), this.identity.id, JSON.stringify(beat))
      .catch((error: Error) => this.logger.warn(`heartbeat failed: ${error.message}`));
  }
}
