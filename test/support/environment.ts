import { spawnSync } from 'node:child_process';
import Docker from 'dockerode';
import Redis from 'ioredis';

/** Redis the integration tests use; .ci/run starts one on the default port. */
export const TEST_REDIS_URL = process.env.KILN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Images the integration suites need (built by `npm run images`, which `npm test` runs first). */
export const REQUIRED_IMAGES = [
  'kiln/base:latest',
  'kiln/python:latest',
  'kiln/node:latest',
  'kiln/gcc:latest',
  'kiln/go:latest',
  'kiln/jvm:latest',
  'kiln/rust:latest',
  'kiln/mono:latest',
  'kiln/scripting:latest',
];

/** Fails loudly, with what to do, when Docker, Redis or the images are missing: never a silent skip. */
export async function assertTestEnvironment(): Promise<void> {
  const problems: string[] = [];
  const docker = new Docker();
  const dockerUp = await docker.ping().then(() => true, () => false);
  if (!dockerUp) problems.push('no Docker engine answers (start dockerd; see scripts/host-services.sh)');
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  const redisUp = await redis.connect().then(() => redis.ping()).then(() => true, () => false);
  redis.disconnect();
  if (!redisUp) problems.push(`no Redis answers at ${TEST_REDIS_URL} (start redis-server, or set KILN_TEST_REDIS_URL)`);
  if (dockerUp) {
    for (const image of REQUIRED_IMAGES) {
      if (spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status !== 0) {
        problems.push(`image ${image} is missing (run \`npm run images\`)`);
      }
    }
  }
  if (problems.length) {
    throw new Error(`The integration tests need a real Docker engine and Redis:\n  - ${problems.join('\n  - ')}`);
  }
}
