import Redis, { RedisOptions } from 'ioredis';

/** Options shared by every Kiln connection; BullMQ requires maxRetriesPerRequest null on its own. */
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
    // Reconnect forever with a capped backoff: Kiln must survive a Redis restart by itself.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
}

export function createRedis(url: string, name: string, extra: RedisOptions = {}): Redis {
  return new Redis({ ...redisOptions(url, name), ...extra });
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
