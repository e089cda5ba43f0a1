import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { redactRedisUrl, redisAnswers } from '@kiln/redis';

/** What standalone can do about a Redis that does not answer. */
export interface EmbeddedRedis {
  /** The private redis-server it started, or null (one answered, or it may not start one). */
  child: ChildProcess | null;
  /** Why it did not start one although none answered: said when it then waits. */
  notStarted?: string;
}

/** Why standalone may not start its own Redis at this URL, or null if it may. */
function whyNotEmbedded(url: string, embedded: boolean): string | null {
  const parsed = new URL(url);
  if (!embedded) return 'redis.embedded is false';
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(parsed.hostname)) return 'the URL is not a loopback address';
  if (parsed.password) return 'the URL has a password';
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return 'redis-server is not installed';
  return null;
}

/**
 * Standalone's embedded default: when nothing answers at a loopback Redis URL
 * and redis-server is installed, start a private one (append-only file in
 * <home>/.kiln/redis) that lives as long as this process. Otherwise the
 * caller waits for a Redis to answer (redis.startupWaitMs).
 */
export async function ensureRedis(url: string, embedded: boolean, home: string, log: (m: string) => void): Promise<EmbeddedRedis> {
  if (await redisAnswers(url)) return { child: null };
  const notStarted = whyNotEmbedded(url, embedded);
  if (notStarted) return { child: null, notStarted };
  const dir = join(home, '.kiln', 'redis');
  mkdirSync(dir, { recursive: true });
  const port = new URL(url).port || '6379';
  const child = spawn(
    'redis-server',
    ['--port', port, '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--protected-mode', 'yes'],
    // Its own process group: a terminal's Ctrl-C (SIGINT to the foreground group) must not stop Redis
    // while Kiln still drains into it; Kiln stops it once it has closed (run-modes.ts).
    { stdio: 'ignore', detached: true },
  );
  for (let i = 0; i < 40; i++) {
    if (await redisAnswers(url, 250)) {
      log(`no Redis answered at ${redactRedisUrl(url)}: started a private redis-server on 127.0.0.1:${port} (data in ${dir})`);
      // However this process exits (a start that failed, a shutdown past its deadline), its Redis goes with it.
      process.once('exit', () => child.kill('SIGTERM'));
      return { child };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`could not start a private redis-server on port ${port}`);
}
