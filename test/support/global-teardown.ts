import Docker from 'dockerode';

/**
 * The suite's last word on "nothing left behind": every sandbox container any
 * test made must be gone (removals run in the background, so allow a moment).
 */
export default async function globalTeardown(): Promise<void> {
  const docker = new Docker();
  let left: Docker.ContainerInfo[] = [];
  for (let i = 0; i < 40; i++) {
    left = await docker.listContainers({ all: true, filters: { label: ['kiln.sandbox'] } });
    if (left.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`sandbox containers left behind after the suite: ${left.map((c) => `${c.Id.slice(0, 12)} ${JSON.stringify(c.Labels)}`).join(', ')}`);
}
