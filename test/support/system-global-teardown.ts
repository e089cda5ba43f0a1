import Docker from 'dockerode';
import { TEST_DEPLOYMENT, testRunId } from './test-run';

/**
 * The suite's last word on "nothing left behind": every sandbox container this
 * run made must be gone (removals run in the background, so allow a moment).
 * Another run's containers on a shared engine are not this run's to judge;
 * anything else that appeared during the run is.
 */
export default async function globalTeardown(): Promise<void> {
  const docker = new Docker();
  const startedAt = Number(process.env.TEST_RUN_STARTED_AT ?? 0);
  let left: Docker.ContainerInfo[] = [];
  for (let i = 0; i < 40; i++) {
    const sandboxes = await docker.listContainers({ all: true, filters: { label: ['kiln.sandbox'] } });
    left = sandboxes.filter((container) => madeByThisRun(container, startedAt));
    if (left.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`sandbox containers left behind after the suite: ${left.map((c) => `${c.Id.slice(0, 12)} ${JSON.stringify(c.Labels)}`).join(', ')}`);
}

function madeByThisRun(container: Docker.ContainerInfo, startedAt: number): boolean {
  const run = TEST_DEPLOYMENT.exec(container.Labels['kiln.deployment'] ?? '')?.[1];
  if (run) return run === testRunId();
  // Not named by any run: this run's if it appeared during the run (Created is in seconds).
  return container.Created * 1000 >= startedAt - 1000;
}
