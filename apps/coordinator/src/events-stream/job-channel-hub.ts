import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import Redis from 'ioredis';
import { LoggedEvent, REDIS_SUBSCRIBER } from '@kiln/redis';
import { RedisKeys } from '@kiln/tasks';

type Listener = (logged: LoggedEvent) => void;

/**
 * Shares one pub/sub connection among every SSE client of this coordinator:
 * a job's channel is subscribed while at least one client follows that job.
 */
@Injectable()
export class JobChannelHub implements OnApplicationBootstrap {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly prefix: string;

  constructor(
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.prefix = keys.jobEventsChannel('');
  }

  onApplicationBootstrap(): void {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (!channel.startsWith(this.prefix)) return;
      const listeners = this.listeners.get(channel.slice(this.prefix.length));
      if (listeners) for (const listener of listeners) listener(JSON.parse(message) as LoggedEvent);
    });
  }

  /** Starts delivering the job's events; resolves once subscribed. Returns the way to stop. */
  async follow(jobId: string, listener: Listener): Promise<() => Promise<void>> {
    const set = this.listeners.get(jobId) ?? new Set();
    const first = set.size === 0;
    set.add(listener);
    this.listeners.set(jobId, set);
    if (first) await this.subscriber.subscribe(this.keys.jobEventsChannel(jobId));
    return async () => {
      set.delete(listener);
      if (set.size > 0) return;
      this.listeners.delete(jobId);
      await this.subscriber.unsubscribe(this.keys.jobEventsChannel(jobId)).catch(() => undefined);
    };
  }
}
