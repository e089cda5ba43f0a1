import { spawnSync } from 'node:child_process';
import Docker from 'dockerode';
import Redis from 'ioredis';

/** Redis the component and system tiers use; .ci/run starts one on the default port. */
export const TEST_REDIS_URL = process.env.KILN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Images the system tier needs (built by `npm run images`, which `npm test` runs first). */
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

/** What a tier needs of this machine: the component tier Redis alone, the system tier Docker and the images too. */
export interface TierNeeds {
  tier: string;
  docker: boolean;
}

/** Fails loudly, with what to do, when what the tier needs is missing: never a silent skip. */
export async function assertTestEnvironment(needs: TierNeeds): Promise<void> {
  const problems = [...(await redisProblems()), ...(needs.docker ? await dockerProblems() : [])];
  if (problems.length) {
    const what = needs.docker ? 'a real Docker engine and Redis' : 'a real Redis (and no Docker engine)';
    throw new Error(`The ${needs.tier} tests need ${what}:\n  - ${problems.join('\n  - ')}`);
  }
}

async function redisProblems(): Promise<string[]> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  const redisUp = await redis.connect().then(() => redis.ping()).then(() => true, () => false);
  redis.disconnect();
  return redisUp ? [] : [`no Redis answers at ${TEST_REDIS_URL} (start redis-server, or set KILN_TEST_REDIS_URL)`];
}

async function dockerProblems(): Promise<string[]> {
  const dockerUp = await new Docker().ping().then(() => true, () => false);
  if (!dockerUp) return ['no Docker engine answers (start dockerd; see scripts/host-services.sh)'];
  return REQUIRED_IMAGES.filter((image) => spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status !== 0).map(
    (image) => `image ${image} is missing (run \`npm run images\`)`,
  );
}
