import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_SUBSCRIBER } from '@kiln/redis';
import { RedisKeys } from '@kiln/tasks';
import { SandboxRuntime } from '../sandbox/sandbox-runtime';

/** Kills this worker's sandboxes of a job as soon as any coordinator cancels it. */
@Injectable()
export class CancelListener implements OnApplicationBootstrap {
  private readonly logger = new Logger(CancelListener.name);

  constructor(
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: Redis,
    private readonly keys: RedisKeys,
    private readonly sandboxes: SandboxRuntime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const channel = this.keys.cancelChannel();
    this.subscriber.on('message', (from: string, jobId: string) => {
      if (from === channel) void this.cancel(jobId);
    });
    await this.subscriber.subscribe(channel);
  }

  private async cancel(jobId: string): Promise<void> {
    const killed = await this.sandboxes.killOwner(jobId);
    if (killed) this.logger.log(`cancelled job ${jobId}: killed ${killed} sandbox(es)`);
  }
}
