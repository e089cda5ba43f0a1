import { execSync } from 'node:child_process';
import { join } from 'node:path';
import Docker from 'dockerode';
import { assertTestEnvironment } from './environment';
import { TEST_DEPLOYMENT, testRunId } from './test-run';

export default async function globalSetup(): Promise<void> {
  await assertTestEnvironment();
  process.env.TEST_RUN_STARTED_AT = String(Date.now());
  await reportOtherRuns(testRunId());
  // Suites that start `kiln` processes run the build; keep it in step with the sources.
  execSync('npm run --silent build', { cwd: join(__dirname, '..', '..'), stdio: 'inherit' });
}

/** Sandboxes already on the engine are another run's: said, and left alone (that run may be live). */
async function reportOtherRuns(run: string): Promise<void> {
  const sandboxes = await new Docker().listContainers({ all: true, filters: { label: ['kiln.sandbox'] } });
  if (sandboxes.length === 0) return;
  const runs = new Set(sandboxes.map((c) => TEST_DEPLOYMENT.exec(c.Labels['kiln.deployment'] ?? '')?.[1] ?? c.Labels['kiln.deployment'] ?? '?'));
  console.warn(`\nnote: ${sandboxes.length} sandbox container(s) of other deployments (${[...runs].join(', ')}) are on this engine; run ${run} ignores them.`);
}
