import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { NodeRepository } from '@kiln/store';
import { NodeBeat, nodeStatus, NodeStatus } from '@kiln/tasks';

/** A node that has been silent this long is forgotten (it was OFFLINE meanwhile). */
const FORGET_AFTER_MS = 3600_000;
/**
 * Admission trusts a worker it found UP this long before it reads the
 * heartbeats again, instead of reading them for every job: a worker is only
 * OFFLINE nodes.timeoutMs after its last beat anyway, and a job admitted
 * meanwhile waits in the queue for a worker like any other.
 */
const READY_TRUSTED_MS = 1000;

export type NodeView = NodeBeat & { status: NodeStatus };

/** The cluster as its heartbeats describe it. */
@Injectable()
export class NodeRegistry {
  private readyUntil = 0;

  constructor(
    private readonly nodes: NodeRepository,
    private readonly config: KilnConfig,
  ) {}

  async list(): Promise<NodeView[]> {
    const now = Date.now();
    const beats = await this.nodes.beats();
    await this.nodes.remove(beats.filter((beat) => now - beat.at > FORGET_AFTER_MS).map((beat) => beat.id));
    return beats
      .filter((beat) => now - beat.at <= FORGET_AFTER_MS)
      .map((beat) => ({ ...beat, status: nodeStatus(beat, now, this.config.nodes.timeoutMs) }))
      .sort((a, b) => a.role.localeCompare(b.role) || a.id.localeCompare(b.id));
  }

  /** Workers that beat on time, whether or not they can work. */
  async aliveWorkers(): Promise<NodeView[]> {
    return (await this.list()).filter((node) => node.role === 'worker' && node.status !== 'OFFLINE');
  }

  /** Whether some worker is UP (alive, with a working Docker engine); a yes holds for READY_TRUSTED_MS. */
  async anyReady(): Promise<boolean> {
    if (Date.now() < this.readyUntil) return true;
    const ready = (await this.aliveWorkers()).some((node) => node.status === 'UP');
    if (ready) this.readyUntil = Date.now() + READY_TRUSTED_MS;
    return ready;
  }
}
