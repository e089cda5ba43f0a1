import { KilnConfig } from '@kiln/config';
import { PoolPolicy } from '../docker/pool-policy';
import { PooledContainer } from '../docker/pooled-container';
import { PoolShelf } from '../docker/pool-shelf';

/** The next nested sandbox says hello within this after a task. */
const NEXT_SANDBOX_TIMEOUT_MS = 5000;

/**
 * Nested mode's pool: an outer container comes back after a clean task and
 * serves the next one in a fresh nested sandbox, until it has served
 * sandbox.nested.tasksPerContainer tasks or reached sandbox.maxContainerAgeMs
 * (past that age the orphan reaper spares only containers in use, so it ends
 * with the task it serves). The pool owns every outer container, ready,
 * starting, resting between tasks or lent (lent ones come back), at least as
 * many as the worker runs tasks at once: a busy worker never retires a
 * container only to start another.
 */
export class NestedReusePolicy implements PoolPolicy {
  constructor(private readonly config: KilnConfig) {}

  capacity(size: number): number {
    return Math.max(size, this.config.worker.concurrency);
  }

  owned(shelf: PoolShelf): number {
    return shelf.ready.length + shelf.launching + shelf.resting.size + shelf.leased.size;
  }

  /** Resting and lent containers are ready again within milliseconds of their task's end, far sooner than a new one. */
  returning(shelf: PoolShelf): number {
    return shelf.resting.size + shelf.leased.size;
  }

  mayServeAgain(container: PooledContainer, now: number): boolean {
    const { nested, maxContainerAgeMs } = this.config.sandbox;
    return container.tasksServed < nested.tasksPerContainer && now - container.startedAt < maxContainerAgeMs;
  }

  /** Ends the task's nested sandbox; the container is ready again at the next one's hello. */
  renew(container: PooledContainer): Promise<void> {
    return container.renewSandbox(NEXT_SANDBOX_TIMEOUT_MS);
  }
}
