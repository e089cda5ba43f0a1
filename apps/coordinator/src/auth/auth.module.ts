import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { KilnConfig, rateLimitEnabled } from '@kiln/config';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeys } from './api-keys';
import { KilnThrottlerGuard } from './kiln-throttler.guard';

/**
 * API protection: keys first (so the rate limit can count per key), then the
 * rate limit (429 with Retry-After).
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [KilnConfig],
      useFactory: (config: KilnConfig) => ({
        throttlers: [{ ttl: config.coordinator.rateLimit.windowMs, limit: config.coordinator.rateLimit.perKey }],
        skipIf: () => !rateLimitEnabled(config),
      }),
    }),
  ],
  providers: [
    ApiKeys,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: KilnThrottlerGuard },
  ],
})
export class AuthModule {}
