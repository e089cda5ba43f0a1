import Docker from 'dockerode';

/** The label every container of one Kiln deployment carries: its Redis prefix (see test-run.ts). */
export const deploymentLabel = (deployment: string): string => `kiln.deployment=${deployment}`;

/**
 * This deployment's sandbox containers on the local engine, stopped ones
 * included; `labels` narrows further (`kiln.worker=<id>`). Other runs' and
 * other tests' sandboxes on the shared engine are never listed.
 */
export function sandboxesOf(deployment: string, ...labels: string[]): Promise<Docker.ContainerInfo[]> {
  return new Docker().listContainers({ all: true, filters: { label: ['kiln.sandbox=1', deploymentLabel(deployment), ...labels] } });
}

/**
 * Sandbox containers of a job on the local engine, including stopped ones: a
 * container started for the job carries its label, a pooled one (started
 * before the job existed) is named after the job while it serves it.
 */
export async function containersOfJob(jobId: string): Promise<Docker.ContainerInfo[]> {
  const sandboxes = await new Docker().listContainers({ all: true, filters: { label: ['kiln.sandbox=1'] } });
  return sandboxes.filter((c) => isContainerOfJob(c, jobId));
}

export function isContainerOfJob(container: Docker.ContainerInfo, jobId: string): boolean {
  return container.Labels['kiln.job'] === jobId || container.Names.some((name) => name.includes(`-${jobId}-`));
}
