/**
 * The one count per caller that HTTP requests (KilnThrottlerGuard) and
 * WebSocket upgrades (UpgradeRateLimit) share in the throttler's storage.
 */

/** The throttler's name (AuthModule configures one, unnamed, which @nestjs/throttler calls `default`). */
export const THROTTLER_NAME = 'default';

/** Where a caller's count is kept: `key:<id>` or `address:<ip>` under the throttler's name. */
export function throttlerKey(tracker: string, throttler = THROTTLER_NAME): string {
  return `${throttler}:${tracker}`;
}

/** The 429's message, naming the limit, its window, whose count it is and when to retry. */
export function rateLimitMessage(limit: number, windowMs: number, tracker: string, retryAfterSeconds: number): string {
  const who = tracker.startsWith('key:') ? 'for this API key' : 'from this address without a valid API key';
  return `rate limited: at most ${limit} requests in ${windowMs / 1000} s ${who}; retry after ${retryAfterSeconds} s`;
}
