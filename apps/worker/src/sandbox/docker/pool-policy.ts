import { PooledContainer } from './pooled-container';
import { PoolShelf } from './pool-shelf';

/**
 * The part of the pool's rules that differs between tiers (container/,
 * nested/): whether a container comes back after its task, and so what the
 * pool counts as its own.
 */
export interface PoolPolicy {
  /** Containers a shelf may own, from sandbox.pool.size. */
  capacity(size: number): number;
  /** What the shelf's target bounds. */
  owned(shelf: PoolShelf): number;
  /** Containers that will be free for a waiter without a new start. */
  returning(shelf: PoolShelf): number;
  /** Whether a container whose task ended cleanly may serve another (its own count and age). */
  mayServeAgain(container: PooledContainer, now: number): boolean;
  /** Makes a container back from its task ready for the next one; rejects when it cannot be. */
  renew(container: PooledContainer): Promise<void>;
}

/** Injection token of the tier's pool policy. */
export const POOL_POLICY = Symbol('PoolPolicy');
