import { Injectable } from '@nestjs/common';
import { NodeRegistry, NodeView } from '../nodes/node-registry';

/**
 * Where a new session may go: the workers that are UP (beating on time, a
 * working Docker engine) and have room for one more (their heartbeat's
 * `sessions`), the least loaded first. The worker itself decides: one that
 * is full by the time it is asked says so, and the next is asked.
 */
@Injectable()
export class SessionPlacement {
  constructor(private readonly nodes: NodeRegistry) {}

  async candidates(): Promise<NodeView[]> {
    const workers = (await this.nodes.aliveWorkers()).filter(
      (node) => node.status === 'UP' && node.sessions !== undefined && node.sessions.held < node.sessions.max,
    );
    const load = (node: NodeView) => node.sessions!.held / node.sessions!.max;
    return workers.sort((a, b) => load(a) - load(b) || a.running - b.running);
  }

  /** Whether the worker instance that holds a session still beats (it may be silent for a moment, but it is there). */
  async alive(workerId: string, workerInstance: string): Promise<boolean> {
    return (await this.nodes.aliveWorkers()).some((node) => node.id === workerId && node.instance === workerInstance);
  }
}
