import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '@kiln/redis';
import { SessionCommandEnvelope, SessionMessage, SessionReply } from '@kiln/tasks';
import { ChannelSubscriptions } from '../channel-subscriptions';
import { RedisKeys } from '../redis-keys';

/** An answer, or bytes that travel with a request, wait this long for their taker. */
const REQUEST_DATA_TTL_MS = 60_000;

export interface SessionAnswer {
  reply: SessionReply;
  /** A download's bytes (GET of a file), when the answer has some. */
  download: Buffer | null;
}

/**
 * Requests to the worker that holds a session, and what comes back
 * (docs/sessions.md): a command goes on the channel of that worker instance
 * (pub/sub: PUBLISH says how many listen, so a worker that is gone is known
 * at once); the worker says on the asking coordinator's channel that it took
 * it and is still at it, streams a run's output, and leaves the answer in a
 * key for the coordinator to take. Bytes (uploads, downloads) travel in keys
 * beside them, never through pub/sub, whose buffers are bounded. Nothing
 * waits in a queue: a command nobody took is the asker's timeout, never a
 * stale request served later.
 */
@Injectable()
export class SessionChannelRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly channels: ChannelSubscriptions,
  ) {}

  /** Sends a command to a worker instance; resolves with how many listened (0: that instance is gone). */
  async sendCommand(workerInstance: string, envelope: SessionCommandEnvelope, upload?: Buffer): Promise<number> {
    if (upload) await this.redis.set(this.keys.sessionTransfer(envelope.requestId, 'in'), upload, 'PX', REQUEST_DATA_TTL_MS);
    return this.redis.publish(this.keys.sessionCommandsChannel(workerInstance), JSON.stringify(envelope));
  }

  /** A worker instance hears its commands; resolves once listening. */
  onCommands(workerInstance: string, handler: (envelope: SessionCommandEnvelope) => void): Promise<() => Promise<void>> {
    return this.channels.listen(this.keys.sessionCommandsChannel(workerInstance), (_channel, message) =>
      handler(JSON.parse(message) as SessionCommandEnvelope),
    );
  }

  /** The bytes sent with a request (once: they are deleted as they are taken). */
  async takeUpload(requestId: string): Promise<Buffer | null> {
    return this.take(this.keys.sessionTransfer(requestId, 'in'));
  }

  async say(coordinatorInstance: string, message: SessionMessage): Promise<void> {
    await this.redis.publish(this.keys.sessionMessagesChannel(coordinatorInstance), JSON.stringify(message));
  }

  /** Stores the answer (and a download's bytes), then tells the asking coordinator. */
  async answer(coordinatorInstance: string, requestId: string, reply: SessionReply, download?: Buffer): Promise<void> {
    if (download) await this.redis.set(this.keys.sessionTransfer(requestId, 'out'), download, 'PX', REQUEST_DATA_TTL_MS);
    await this.redis.set(this.keys.sessionReply(requestId), JSON.stringify(reply), 'PX', REQUEST_DATA_TTL_MS);
    await this.say(coordinatorInstance, { type: 'done', requestId });
  }

  /** The answer to a request, once it is there (taken once). */
  async takeAnswer(requestId: string): Promise<SessionAnswer | null> {
    const raw = await this.take(this.keys.sessionReply(requestId));
    if (!raw) return null;
    return { reply: JSON.parse(raw.toString('utf8')) as SessionReply, download: await this.take(this.keys.sessionTransfer(requestId, 'out')) };
  }

  /** A coordinator instance hears what workers say about its requests; resolves once listening. */
  onMessages(coordinatorInstance: string, handler: (message: SessionMessage) => void): Promise<() => Promise<void>> {
    return this.channels.listen(this.keys.sessionMessagesChannel(coordinatorInstance), (_channel, message) =>
      handler(JSON.parse(message) as SessionMessage),
    );
  }

  private async take(key: string): Promise<Buffer | null> {
    const [[, value]] = (await this.redis.multi().getBuffer(key).del(key).exec()) as [[Error | null, Buffer | null], unknown];
    return value;
  }
}
