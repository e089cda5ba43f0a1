import { Injectable } from '@nestjs/common';
import { DEFAULT_IPV6_SUBNET_PREFIX, InjectThrottlerStorage, normalizeIp, ThrottlerStorage } from '@nestjs/throttler';
import type { IncomingMessage } from 'node:http';
import { KilnConfig, rateLimitEnabled } from '@kiln/config';
import { CallerIdentity, keyOf } from './caller-identity';
import { rateLimitMessage, THROTTLER_NAME, throttlerKey } from './rate-limit-count';

/** Why an upgrade is refused: the HTTP answer to give instead of switching protocols. */
export interface UpgradeRefusal {
  status: number;
  body: object;
  headers: Record<string, string>;
}

/**
 * The rate limit for WebSocket upgrades, which no guard sees (they never
 * reach a route): each upgrade counts as one request of its caller, in the
 * same count as its HTTP requests (KilnThrottlerGuard) — its key when the
 * upgrade presents a valid one, else its address — so opening sockets is no
 * way around coordinator.rateLimit.
 */
@Injectable()
export class UpgradeRateLimit {
  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly callers: CallerIdentity,
    private readonly config: KilnConfig,
  ) {}

  /** Counts the upgrade; null while its caller is within the limit, else the 429 to answer. */
  async refusal(request: IncomingMessage): Promise<UpgradeRefusal | null> {
    if (!rateLimitEnabled(this.config)) return null;
    const { perKey, perAddress, windowMs } = this.config.coordinator.rateLimit;
    const { keyId } = this.callers.identifyKey(keyOf(request));
    // The address as the guard counts it (Express's req.ip without a trusted proxy is the socket's; IPv6 by its /64).
    const tracker = keyId ? `key:${keyId}` : `address:${normalizeIp(request.socket.remoteAddress ?? '', DEFAULT_IPV6_SUBNET_PREFIX)}`;
    const limit = keyId ? perKey : perAddress;
    const { isBlocked, timeToBlockExpire } = await this.storage.increment(throttlerKey(tracker), windowMs, limit, windowMs, THROTTLER_NAME);
    if (!isBlocked) return null;
    return {
      status: 429,
      body: { error: rateLimitMessage(limit, windowMs, tracker, timeToBlockExpire) },
      headers: { 'Retry-After': String(timeToBlockExpire) },
    };
  }
}
