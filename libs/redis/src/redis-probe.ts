import Redis from 'ioredis';
import { redactRedisUrl, redisOptions } from './redis-connection';

/** Why nothing answers PING at the URL within `timeoutMs` (a short reason), or null when it does. */
export async function probeRedis(url: string, timeoutMs = 1500): Promise<string | null> {
  const client = new Redis({
    ...redisOptions(url, 'kiln-probe'),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const answer = await client.ping();
    return answer === 'PONG' ? null : `it answered PING with ${answer}`;
  } catch (error) {
    return (error as Error).message;
  } finally {
    client.disconnect();
  }
}

/** Whether something answers PING at the URL within a short time. */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  return (await probeRedis(url, timeoutMs)) === null;
}

/** Start-up gave up waiting (or was told to stop while waiting). */
export class RedisWaitError extends Error {}

export interface RedisWait {
  /** How long to keep trying (redis.startupWaitMs); 0: one try. */
  waitMs: number;
  log: (message: string) => void;
  /** Stops the wait at once (a SIGTERM during start-up). */
  signal?: AbortSignal;
  /** Added to the final message (what else the operator can do). */
  hint?: string;
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5000;

/**
 * Waits until Redis answers at `url`, retrying with a doubling backoff (up to
 * 5 s between tries) and saying at each try what it waits for; past `waitMs`
 * it gives up with a message naming the URL (without its password), the last
 * reason and the setting.
 */
export async function waitForRedis(url: string, { waitMs, log, signal, hint }: RedisWait): Promise<void> {
  const where = redactRedisUrl(url);
  const deadline = Date.now() + waitMs;
  for (let retryMs = FIRST_RETRY_MS; ; retryMs = Math.min(retryMs * 2, MAX_RETRY_MS)) {
    const reason = await probeRedis(url);
    if (reason === null) return;
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) {
      const waited = signal?.aborted ? 'stopped while waiting' : `gave up after redis.startupWaitMs (${waitMs} ms)`;
      throw new RedisWaitError(`no Redis answers at ${where} (${reason}); ${waited}. Start it or set KILN_REDIS__URL${hint ? `, ${hint}` : ''}`);
    }
    const pause = Math.min(retryMs, left);
    log(`waiting for Redis at ${where} (${reason}): next try in ${pause} ms, giving up in ${Math.ceil(left / 1000)} s`);
    await sleep(pause, signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
