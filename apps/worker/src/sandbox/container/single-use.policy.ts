import { PoolPolicy } from '../docker/pool-policy';
import { PoolShelf } from '../docker/pool-shelf';

/**
 * Container mode's pool: a container is lent once and removed after its
 * task, never back on the shelf. The pool owns what is ready or starting,
 * beyond what waiters already claimed.
 */
export class SingleUsePolicy implements PoolPolicy {
  capacity(size: number): number {
    return size;
  }

  owned(shelf: PoolShelf): number {
    return shelf.ready.length + shelf.launching - shelf.waiters.length;
  }

  returning(): number {
    return 0;
  }

  mayServeAgain(): boolean {
    return false;
  }

  renew(): Promise<void> {
    return Promise.reject(new Error('a container of container mode never serves a second task'));
  }
}
