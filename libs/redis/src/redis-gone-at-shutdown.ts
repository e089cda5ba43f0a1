import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { stopReconnecting } from './redis-connection';
import { RedisHealth } from './redis-health';
import { settledWithin } from './settled-within';

/** A Redis that does not answer PING this fast at shutdown is taken for gone. */
const PING_TIMEOUT_MS = 2000;
const FORCE_CLOSE_TIMEOUT_MS = 1000;

/**
 * The last step before connections close (RedisModule is global, so this
 * hook runs after every other module's: the coordinator's requests and the
 * worker's tasks have had their grace). If Redis does not answer then, what
 * is left to say to it cannot be said, and closing politely would wait for
 * ever: BullMQ consumers wait for a blocking command that never returns, and
 * QUIT waits behind the commands queued for a Redis that is gone. So the
 * consumers are closed by force, and every connection ends at its next
 * reconnect attempt, failing what still waits for it.
 */
@Injectable()
export class RedisGoneAtShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(
    private readonly health: RedisHealth,
    private readonly discovery: DiscoveryService,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    if (await this.health.answersWithin(PING_TIMEOUT_MS)) return;
    this.logger.warn('Redis does not answer: closing its connections without waiting for it');
    stopReconnecting();
    await settledWithin(Promise.allSettled(this.consumers().map((host) => host.worker.close(true))), FORCE_CLOSE_TIMEOUT_MS);
  }

  /** The @Processor classes of this application (BullMQ workers Nest made). */
  private consumers(): WorkerHost[] {
    return this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost && hasWorker(instance));
  }
}

function hasWorker(host: WorkerHost): boolean {
  try {
    return Boolean(host.worker);
  } catch {
    return false; // never initialised
  }
}
