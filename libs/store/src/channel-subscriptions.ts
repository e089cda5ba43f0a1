import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_SUBSCRIBER } from '@kiln/redis';

type Handler = (channel: string, message: string) => void;

/**
 * Every pub/sub subscription of this process on its one subscriber
 * connection: a channel is subscribed while at least one handler listens to
 * it, and each message goes to that channel's handlers only.
 */
@Injectable()
export class ChannelSubscriptions {
  private readonly handlers = new Map<string, Set<Handler>>();

  constructor(@Inject(REDIS_SUBSCRIBER) private readonly subscriber: Redis) {
    subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(channel, message);
    });
  }

  /** Starts delivering the channel's messages to `handler`; resolves once subscribed. Returns the way to stop. */
  async listen(channel: string, handler: Handler): Promise<() => Promise<void>> {
    const set = this.handlers.get(channel) ?? new Set();
    const first = set.size === 0;
    set.add(handler);
    this.handlers.set(channel, set);
    if (first) await this.subscriber.subscribe(channel);
    return async () => {
      set.delete(handler);
      if (set.size > 0 || this.handlers.get(channel) !== set) return;
      this.handlers.delete(channel);
      // Not waited for: delivery already stopped with the handler, and a Redis that is gone
      // would hold the UNSUBSCRIBE (and a shutdown waiting on it) until its retries ran out.
      void this.subscriber.unsubscribe(channel).catch(() => undefined);
    };
  }
}
