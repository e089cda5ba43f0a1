import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { KilnConfig } from '@kiln/config';
import { JobWaiters } from '../jobs/job-waiters';
import { InFlightRequests } from './in-flight-requests';

/**
 * Graceful stop of the coordinator, before BullMQ and Redis close: stop
 * accepting connections, let requests in flight be answered (an /execute
 * whose job ends in time gets its result), and after the grace period answer
 * the ones still waiting with 503 rather than leaving them hanging.
 */
@Injectable()
export class CoordinatorDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger(CoordinatorDrain.name);

  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly requests: InFlightRequests,
    private readonly waiters: JobWaiters,
    private readonly config: KilnConfig,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.adapter.httpAdapter?.getHttpServer() as Server | undefined;
    server?.close();
    if (await this.requests.settle(this.config.coordinator.shutdownGraceMs)) return;
    this.logger.warn(`shutdown grace over: releasing ${this.requests.size} waiting request(s) with 503`);
    this.waiters.interruptAll();
    await this.requests.settle(2000);
  }
}
