import { buildIfStale } from './build';
import { assertTestEnvironment } from './environment';
import { testRunId } from './test-run';

/**
 * The component tier: a real Redis, no Docker engine and no runtime image
 * (CI runs this tier before it starts dockerd). Every suite's prefix carries
 * this run's id, so parallel suites, and other runs on the same Redis, never
 * meet.
 */
export default async function componentGlobalSetup(): Promise<void> {
  await assertTestEnvironment({ tier: 'component', docker: false });
  testRunId();
  buildIfStale();
}
