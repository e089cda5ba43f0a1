import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { KilnConfig, rateLimitEnabled } from '@kiln/config';
import { RedisHealth } from '@kiln/redis';
import { RequestCountRepository } from '@kiln/store';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeys } from './api-keys';
import { CallerIdentity } from './caller-identity';
import { KilnThrottlerGuard } from './kiln-throttler.guard';
import { SharedRequestCounts } from './shared-request-counts';
import { UpgradeRateLimit } from './upgrade-rate-limit';

/**
 * API protection, in this order: the rate limit (per key, or per address for
 * requests without a valid key, so key guesses are counted too), then the key
 * check (401). Global guards run in the order they are provided.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [KilnConfig, RequestCountRepository, RedisHealth],
      useFactory: (config: KilnConfig, counts: RequestCountRepository, redis: RedisHealth) => ({
        // The limit is chosen per request (KilnThrottlerGuard); this one is never used.
        throttlers: [{ ttl: config.coordinator.rateLimit.windowMs, limit: config.coordinator.rateLimit.perKey }],
        skipIf: () => !rateLimitEnabled(config),
        storage: new SharedRequestCounts(counts, redis),
      }),
    }),
  ],
  providers: [
    ApiKeys,
    CallerIdentity,
    UpgradeRateLimit,
    { provide: APP_GUARD, useClass: KilnThrottlerGuard },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeys, CallerIdentity, UpgradeRateLimit],
})
export class AuthModule {}
