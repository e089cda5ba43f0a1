import { Logger } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { settledWithin } from './settled-within';

/** How long a closing connection may take to flush its commands (QUIT) before it is cut. */
const QUIT_TIMEOUT_MS = 1000;

let reconnecting = true;

/**
 * For a process that stops while its Redis is gone: from now on every
 * connection made with redisOptions (Kiln's own and BullMQ's) ends at its
 * next reconnect attempt instead of retrying, and the commands queued for it
 * fail, so nothing waits for a Redis that will not come back in time.
 */
export function stopReconnecting(): void {
  reconnecting = false;
}

/** Options shared by every Kiln connection (BullMQ's: bullConnection). */
export function redisOptions(url: string, name: string): RedisOptions {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    connectionName: name,
    // Reconnect forever with a capped backoff: Kiln must survive a Redis restart by itself
    // (until a process stopping with its Redis gone says otherwise: stopReconnecting).
    retryStrategy: (times) => (reconnecting ? Math.min(times * 200, 2000) : null),
  };
}

/**
 * Where BullMQ objects (queues, consumers) connect, the only place their
 * options are written: Kiln's connection options under the given name, with
 * the maxRetriesPerRequest BullMQ requires, and the deployment's key prefix.
 */
export function bullConnection(redis: { url: string; prefix: string }, name: string): { connection: RedisOptions; prefix: string } {
  return { connection: { ...redisOptions(redis.url, name), maxRetriesPerRequest: null }, prefix: redis.prefix };
}

/**
 * A connection that says once when it loses Redis and once when it is back
 * (ioredis alone prints every failed reconnect, with a stack, as unhandled).
 */
export function createRedis(url: string, name: string, extra: RedisOptions = {}): Redis {
  const client = new Redis({ ...redisOptions(url, name), ...extra });
  const logger = new Logger('Redis');
  let lost = false;
  client.on('error', (error: Error) => {
    if (lost) return;
    lost = true;
    logger.warn(`connection ${name} to ${redactRedisUrl(url)} lost (${error.message}); reconnecting`);
  });
  client.on('ready', () => {
    if (lost) logger.log(`connection ${name} to ${redactRedisUrl(url)} is back`);
    lost = false;
  });
  return client;
}

/**
 * Closes a connection: QUIT (what was sent is answered first) when Redis
 * answers, else at once; QUIT to a Redis that is gone would wait for ever
 * behind the commands queued for it.
 */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready' && (await settledWithin(client.quit(), QUIT_TIMEOUT_MS))) return;
  client.disconnect();
}

/** The URL without its password, for logs and errors. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid redis url>';
  }
}
