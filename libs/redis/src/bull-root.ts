import { BullModule } from '@nestjs/bullmq';
import { KilnConfig } from '@kiln/config';
import { redisOptions } from './redis-connection';

/** BullModule.forRootAsync wired to Kiln's Redis URL and key prefix. */
export function bullRootModule() {
  return BullModule.forRootAsync({
    inject: [KilnConfig],
    useFactory: (config: KilnConfig) => ({
      prefix: config.redis.prefix,
      connection: { ...redisOptions(config.redis.url, 'kiln-bullmq'), maxRetriesPerRequest: null },
    }),
  });
}
