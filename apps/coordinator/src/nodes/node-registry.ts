import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { NodeRepository } from '@kiln/store';
import { NodeBeat, nodeStatus, NodeStatus } from '@kiln/tasks';

/** A node that has been silent this long is forgotten (it was OFFLINE meanwhile). */
const FORGET_AFTER_MS = 3600_000;

export type NodeView = NodeBeat & { status: NodeStatus };

/** The cluster as its heartbeats describe it. */
@Injectable()
export class NodeRegistry {
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

  /** Whether some worker is UP (alive, with a working Docker engine). */
  async anyReady(): Promise<boolean> {
    return (await this.aliveWorkers()).some((node) => node.status === 'UP');
  }
}
