// What a killed bench (SIGKILL: no `finally` ran) left behind, dealt with
// before the next run: its containers would distort the CPU figures.
import { createRequire } from 'node:module';
import Docker from 'dockerode';

/** The label value the bench's own sandboxes carry (its ceilings and floor: scripts/bench.mjs, sandboxSpec). */
export const BASELINE_DEPLOYMENT = 'kiln-bench-baseline';
// The worker's own label name (the bench needs the build anyway).
const { DEPLOYMENT_LABEL } = createRequire(import.meta.url)('../../dist/apps/worker/src/sandbox/docker/container-spec.js');

/**
 * Removes the bench's own containers left by an earlier run, and names
 * (without touching them) the sandboxes of bench Kiln processes
 * (`kiln-bench-<hex>` deployments: scripts/bench/kiln-process.mjs) that
 * still exist: their Kiln may still be running, and its own shutdown or
 * orphan reaper removes them. Returns what it removed and what it found.
 */
export async function sweepBenchLeftovers(log, docker = new Docker()) {
  const containers = await docker.listContainers({ all: true, filters: { label: [DEPLOYMENT_LABEL] } });
  const baseline = containers.filter((c) => c.Labels[DEPLOYMENT_LABEL] === BASELINE_DEPLOYMENT);
  const kilns = containers.filter((c) => c.Labels[DEPLOYMENT_LABEL].startsWith('kiln-bench-') && c.Labels[DEPLOYMENT_LABEL] !== BASELINE_DEPLOYMENT);
  await Promise.all(baseline.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  if (baseline.length) log(`removed ${baseline.length} container(s) an earlier, killed bench left (label ${DEPLOYMENT_LABEL}=${BASELINE_DEPLOYMENT})`);
  if (kilns.length) {
    const deployments = [...new Set(kilns.map((c) => c.Labels[DEPLOYMENT_LABEL]))].join(', ');
    log(`warning: ${kilns.length} sandbox container(s) of earlier bench Kiln processes exist (${deployments}): is another bench running, or a killed one's Kiln still up? They cost CPU during this run.`);
  }
  return { removed: baseline.length, foreign: kilns.length };
}
