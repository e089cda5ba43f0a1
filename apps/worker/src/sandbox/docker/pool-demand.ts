/**
 * Demand of one pool: the claims of the last `windowMs`. The pool keeps as
 * many containers ready as there were claims in the window, up to its size:
 * a language used once a minute keeps one warm, a busy one keeps the full
 * size, an unused one none.
 */
export class PoolDemand {
  private claims: number[] = [];

  constructor(private readonly windowMs: number) {}

  record(now: number): void {
    this.claims.push(now);
  }

  recent(now: number): number {
    const since = now - this.windowMs;
    let stale = 0;
    while (stale < this.claims.length && this.claims[stale] <= since) stale++;
    if (stale) this.claims = this.claims.slice(stale);
    return this.claims.length;
  }

  /** The claims of the last `ms` (at most the window): the pace of demand right now. */
  lately(now: number, ms: number): number {
    let count = 0;
    for (let i = this.claims.length - 1; i >= 0 && this.claims[i] > now - ms; i--) count++;
    return count;
  }
}

export interface PoolTargetInput {
  /** Claims in the demand window. */
  recentClaims: number;
  /** sandbox.pool.size */
  size: number;
  /** Listed in sandbox.pool.warm: kept at full size whatever the demand. */
  warm: boolean;
}

/** How many containers the pool should own (ready or starting) right now: warm pools are always full. */
export function poolTarget({ recentClaims, size, warm }: PoolTargetInput): number {
  return warm ? size : Math.min(size, recentClaims);
}
