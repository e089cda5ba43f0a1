import type { ContainerCreateOptions } from 'dockerode';
import { SandboxLimits } from '../sandbox-runtime';
import { PoolDemand, poolTarget } from './pool-demand';
import { PooledContainer } from './pooled-container';

export interface ShelfWaiter<T extends PooledContainer = PooledContainer> {
  resolve(warm: T): void;
  reject(error: Error): void;
}

export function sameLimits(a: SandboxLimits, b: SandboxLimits): boolean {
  return a.memoryMb === b.memoryMb && a.cpus === b.cpus && a.processes === b.processes;
}

/**
 * The containers of one container configuration (image and tier, whatever
 * the limits), in every state the pool knows: ready, lent, resting between
 * two tasks (a tier that reuses them), starting; and the tasks waiting for
 * one. What counts as owned is the tier's pool policy (pool-policy.ts).
 */
export class PoolShelf<T extends PooledContainer = PooledContainer> {
  readonly ready: T[] = [];
  /** Lent out. */
  readonly leased = new Set<T>();
  /** Back from a task, being made ready for the next (a tier that reuses them). */
  readonly resting = new Set<T>();
  readonly waiters: ShelfWaiter<T>[] = [];
  launching = 0;
  /** Listed in sandbox.pool.warm: kept full whatever the demand. */
  warm = false;
  /** Refills pause until then after a failed start. */
  pausedUntil = 0;

  constructor(
    readonly key: string,
    readonly image: string,
    /** The last request's configuration: what refills are built from. */
    public template: { options: ContainerCreateOptions; limits: SandboxLimits },
    readonly demand: PoolDemand,
  ) {}

  /** Oldest first (so none idles out), preferring one that already has the limits. */
  takeReady(limits: SandboxLimits): T | undefined {
    const index = this.ready.findIndex((warm) => sameLimits(warm.limits, limits));
    const [warm] = this.ready.splice(index >= 0 ? index : 0, 1);
    return warm;
  }

  forget(warm: T): void {
    const index = this.ready.indexOf(warm);
    if (index >= 0) this.ready.splice(index, 1);
    this.resting.delete(warm);
    this.leased.delete(warm);
  }

  target(capacity: number, now: number): number {
    return poolTarget({ recentClaims: this.demand.recent(now), size: capacity, warm: this.warm });
  }
}
