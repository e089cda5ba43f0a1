import type { ContainerCreateOptions } from 'dockerode';
import { SandboxLimits } from './container-spec';
import { PoolDemand, poolTarget } from './pool-demand';
import { WarmContainer } from './warm-container';

export interface ShelfWaiter {
  resolve: (warm: WarmContainer) => void;
  reject: (error: Error) => void;
}

export function sameLimits(a: SandboxLimits, b: SandboxLimits): boolean {
  return a.memoryMb === b.memoryMb && a.cpus === b.cpus && a.processes === b.processes;
}

/**
 * The containers of one container configuration (image and mode, whatever
 * the limits), in every state the pool knows: ready, lent, resting between
 * two tasks (nested mode), starting; and the tasks waiting for one.
 */
export class PoolShelf {
  readonly ready: WarmContainer[] = [];
  /** Lent out (nested mode counts them: they come back). */
  readonly leased = new Set<WarmContainer>();
  /** Nested mode: between two tasks, waiting for the next sandbox's hello. */
  readonly resting = new Set<WarmContainer>();
  readonly waiters: ShelfWaiter[] = [];
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
  takeReady(limits: SandboxLimits): WarmContainer | undefined {
    const index = this.ready.findIndex((warm) => sameLimits(warm.limits, limits));
    const [warm] = this.ready.splice(index >= 0 ? index : 0, 1);
    return warm;
  }

  forget(warm: WarmContainer): void {
    const index = this.ready.indexOf(warm);
    if (index >= 0) this.ready.splice(index, 1);
    this.resting.delete(warm);
    this.leased.delete(warm);
  }

  /**
   * What the target bounds. Default mode: containers ready or starting,
   * beyond what waiters already claimed. Nested mode: outer containers in all
   * (ready, starting, resting between tasks or lent: lent ones come back).
   */
  owned(nested: boolean): number {
    if (nested) return this.ready.length + this.launching + this.resting.size + this.leased.size;
    return this.ready.length + this.launching - this.waiters.length;
  }

  /** Containers about to be free for a waiter without a new start (nested mode). */
  returning(nested: boolean): number {
    return nested ? this.resting.size + this.leased.size : 0;
  }

  target(capacity: number, now: number): number {
    return poolTarget({ recentClaims: this.demand.recent(now), size: capacity, warm: this.warm });
  }
}
