import { randomBytes } from 'node:crypto';

/**
 * One run of the suite. The CI machine's Docker engine and Redis may be shared
 * with another run (a developer's, or an earlier one that was killed), so every
 * deployment a test starts carries this run's id, and the teardown judges only
 * what this run made. globalSetup sets it; the suites (same process, or
 * workers that inherit the environment) read it.
 */
export function testRunId(): string {
  process.env.TEST_RUN_ID ??= randomBytes(4).toString('hex');
  return process.env.TEST_RUN_ID;
}

/** A Redis prefix (and so a `kiln.deployment` label) of this run: `kiln-test-<run>-<tag>-<random>`. */
export function testPrefix(tag?: string): string {
  return ['kiln-test', testRunId(), tag, randomBytes(3).toString('hex')].filter(Boolean).join('-');
}

/** A deployment made by some run of this suite (this one or another). */
export const TEST_DEPLOYMENT = /kiln-test-([0-9a-f]{8})-/;
