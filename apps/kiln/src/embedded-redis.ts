import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { redactRedisUrl, redisOptions } from '@kiln/redis';

/** Whether something answers PING at the URL within a short time. */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
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
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Standalone's embedded default: when nothing answers at a loopback Redis URL
 * and redis-server is installed, start a private one (append-only file in
 * <home>/.kiln/redis) that lives as long as this process.
 */
export async function ensureRedis(url: string, embedded: boolean, home: string, log: (m: string) => void): Promise<ChildProcess | null> {
  if (await redisAnswers(url)) return null;
  const parsed = new URL(url);
  const loopback = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(parsed.hostname);
  const installed = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!embedded || !loopback || !installed || parsed.password) {
    throw new Error(
      `no Redis answers at ${redactRedisUrl(url)}. Start one (e.g. \`redis-server\`), point KILN_REDIS__URL at yours` +
        (installed ? '' : ', or install redis-server so standalone can start a private one'),
    );
  }
  const dir = join(home, '.kiln', 'redis');
  mkdirSync(dir, { recursive: true });
  const port = parsed.port || '6379';
  const child = spawn(
    'redis-server',
    ['--port', port, '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--protected-mode', 'yes'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 40; i++) {
    if (await redisAnswers(url, 250)) {
      log(`no Redis answered at ${redactRedisUrl(url)}: started a private redis-server on 127.0.0.1:${port} (data in ${dir})`);
      return child;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`could not start a private redis-server on port ${port}`);
}
