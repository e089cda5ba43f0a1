import { BullModule } from '@nestjs/bullmq';
import { KilnConfig } from '@kiln/config';
import { bullConnection } from './redis-connection';

/** BullModule.forRootAsync wired to Kiln's Redis URL and key prefix (the @Processor consumers connect with it). */
export function bullRootModule() {
  return BullModule.forRootAsync({
    inject: [KilnConfig],
    useFactory: (config: KilnConfig) => bullConnection(config.redis, 'kiln-bullmq'),
  });
}
