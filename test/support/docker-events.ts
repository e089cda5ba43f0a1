import Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { deploymentLabel } from './sandboxes';

export interface ContainerEvent {
  action: string;
  id: string;
  attributes: Record<string, string>;
  at: number;
}

/**
 * Records the engine's container events (start, rename, destroy...) of one
 * Kiln deployment: what the engine itself saw, not what Kiln says it did.
 */
export class DockerEventLog {
  readonly events: ContainerEvent[] = [];
  private stream?: Readable;
  private buffered = '';

  static async start(deployment: string): Promise<DockerEventLog> {
    const log = new DockerEventLog();
    const filters = { type: ['container' as const], label: [deploymentLabel(deployment)] };
    log.stream = (await new Docker().getEvents({ filters })) as unknown as Readable;
    log.stream.on('data', (chunk: Buffer) => log.take(chunk));
    return log;
  }

  stop(): void {
    this.stream?.destroy();
  }

  /** Container ids renamed to carry this job's id: the sandboxes that served it. */
  containersOf(jobId: string): string[] {
    return [...new Set(this.named().filter((e) => e.name.includes(`-${jobId}-`)).map((e) => e.id))];
  }

  /** Job ids each container was named after, by container id. */
  jobsByContainer(jobIds: string[]): Map<string, Set<string>> {
    const jobs = new Map<string, Set<string>>();
    for (const { id, name } of this.named()) {
      for (const jobId of jobIds.filter((job) => name.includes(`-${job}-`))) {
        jobs.set(id, (jobs.get(id) ?? new Set()).add(jobId));
      }
    }
    return jobs;
  }

  startedAt(id: string): number | undefined {
    return this.events.find((e) => e.id === id && e.action === 'start')?.at;
  }

  destroyed(id: string): boolean {
    return this.events.some((e) => e.id === id && e.action === 'destroy');
  }

  private named(): { id: string; name: string }[] {
    return this.events.filter((e) => e.action === 'rename').map((e) => ({ id: e.id, name: e.attributes.name ?? '' }));
  }

  private take(chunk: Buffer): void {
    this.buffered += chunk.toString('utf8');
    const lines = this.buffered.split('\n');
    this.buffered = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      const event = JSON.parse(line) as { Action: string; Actor: { ID: string; Attributes: Record<string, string> }; timeNano: number };
      this.events.push({ action: event.Action, id: event.Actor.ID, attributes: event.Actor.Attributes, at: Math.floor(event.timeNano / 1e6) });
    }
  }
}
