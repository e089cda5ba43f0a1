import Docker from 'dockerode';
import { buildIfStale } from './build';
import { assertTestEnvironment } from './environment';
import { TEST_DEPLOYMENT, testRunId } from './test-run';

/** The system tier: the real Docker engine, the runtime images and Redis must be there, said loudly if not. */
export default async function systemGlobalSetup(): Promise<void> {
  await assertTestEnvironment({ tier: 'system', docker: true });
  process.env.TEST_RUN_STARTED_AT = String(Date.now());
  await reportOtherRuns(testRunId());
  buildIfStale();
}

/** Sandboxes already on the engine are another run's: said, and left alone (that run may be live). */
async function reportOtherRuns(run: string): Promise<void> {
  const sandboxes = await new Docker().listContainers({ all: true, filters: { label: ['kiln.sandbox'] } });
  if (sandboxes.length === 0) return;
  const runs = new Set(sandboxes.map((c) => TEST_DEPLOYMENT.exec(c.Labels['kiln.deployment'] ?? '')?.[1] ?? c.Labels['kiln.deployment'] ?? '?'));
  console.warn(`\nnote: ${sandboxes.length} sandbox container(s) of other deployments (${[...runs].join(', ')}) are on this engine; run ${run} ignores them.`);
}
