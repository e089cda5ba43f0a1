import { ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { KilnConfig } from '@kiln/config';
import { CallerIdentity } from './caller-identity';
import { rateLimitMessage, throttlerKey } from './rate-limit-count';

/**
 * Rate limits per API key (`coordinator.rateLimit.perKey`) for a request
 * with a valid key, else per client address (`perAddress`): no key, a wrong
 * key, or keys off. It runs before the key check, so guessing keys is
 * throttled too. One count per key or address across all routes, and a 429
 * in the API's error shape with Retry-After. WebSocket upgrades count in the
 * same count (upgrade-rate-limit.ts).
 */
@Injectable()
export class KilnThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly callers: CallerIdentity,
    private readonly config: KilnConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const { keyId } = this.callers.of(request.context);
    const { perKey, perAddress } = this.config.coordinator.rateLimit;
    return super.handleRequest({
      ...request,
      limit: keyId ? perKey : perAddress,
      getTracker: async (http) => (keyId ? `key:${keyId}` : `address:${await this.getTracker(http)}`),
    });
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return throttlerKey(tracker, throttler);
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new HttpException({ error: rateLimitMessage(detail.limit, detail.ttl, detail.tracker, detail.timeToBlockExpire) }, HttpStatus.TOO_MANY_REQUESTS);
  }
}
