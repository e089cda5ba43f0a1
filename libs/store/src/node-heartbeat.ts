import { Logger } from '@nestjs/common';
import { cpus, freemem, hostname, loadavg, totalmem } from 'node:os';
import { settledWithin } from '@kiln/redis';
import { NodeBeat } from '@kiln/tasks';
import { NodeRepository } from './repositories/node.repository';

/** A stopping node's goodbye waits this long at most: with Redis gone it would wait for ever. */
const GOODBYE_TIMEOUT_MS = 1000;

export type NodeFacts = Pick<NodeBeat, 'id' | 'instance' | 'role' | 'version' | 'queues' | 'concurrency'>;
export type NodeState = Pick<NodeBeat, 'running' | 'accepting' | 'reason' | 'docker' | 'pool' | 'sessions'>;

/**
 * Writes a node's heartbeat into the shared nodes hash every interval: who it
 * is, what it serves, how loaded it is. Workers and coordinators both beat.
 */
export class NodeHeartbeat {
  private readonly logger = new Logger(NodeHeartbeat.name);
  private readonly startedAt = Date.now();
  private timer?: NodeJS.Timeout;
  /** The state of the last beat. */
  private last?: NodeState;
  private stopped = false;

  constructor(
    private readonly nodes: NodeRepository,
    private readonly facts: NodeFacts,
    private readonly state: () => Promise<NodeState>,
  ) {}

  async start(intervalMs: number): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), intervalMs);
    this.timer.unref();
  }

  /**
   * Beats now, between the interval's beats, with part of the state changed
   * (the rest as the last beat had it: nothing else is asked for), because
   * others act on that part; nothing before start() or after stop() (a beat
   * after the goodbye would bring a stopped node back).
   */
  async beatNow(changed: Partial<NodeState>): Promise<void> {
    if (this.last && !this.stopped) await this.write({ ...this.last, ...changed });
  }

  /** A stopping node says so at once rather than waiting to go OFFLINE (if Redis answers). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const said = this.nodes.connected() && (await settledWithin(this.nodes.remove([this.facts.id]), GOODBYE_TIMEOUT_MS));
    if (!said) {
      this.logger.warn(`Redis does not answer: ${this.facts.id} goes OFFLINE when its heartbeat expires instead`);
    }
  }

  async beat(): Promise<void> {
    await this.write(await this.state());
  }

  private async write(state: NodeState): Promise<void> {
    this.last = state;
    const beat: NodeBeat = {
      ...this.facts,
      ...state,
      hostname: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      cpu: { load1: loadavg()[0], cores: cpus().length },
      memory: { rssBytes: process.memoryUsage().rss, hostFreeBytes: freemem(), hostTotalBytes: totalmem() },
      at: Date.now(),
    };
    await this.nodes.write(beat).catch((error: Error) => this.logger.warn(`heartbeat failed: ${error.message}`));
  }
}
