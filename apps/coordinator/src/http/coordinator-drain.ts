import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { KilnConfig } from '@kiln/config';
import { InFlightRequests } from './in-flight-requests';

/**
 * Graceful stop of the coordinator, before BullMQ and Redis close: stop
 * accepting connections, let requests in flight be answered (an /execute
 * whose job ends in time gets its result), and after the grace period have
 * the ones still waiting answered (503) rather than left hanging: whoever
 * holds waiting requests (the jobs room's JobWaiters) registers for that.
 */
@Injectable()
export class CoordinatorDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger(CoordinatorDrain.name);
  private readonly releases: (() => void)[] = [];

  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly requests: InFlightRequests,
    private readonly config: KilnConfig,
  ) {}

  /** `release` answers every request still waiting, once the grace period is over. */
  whenGraceIsOver(release: () => void): void {
    this.releases.push(release);
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.adapter.httpAdapter?.getHttpServer() as Server | undefined;
    server?.close();
    if (await this.requests.settle(this.config.coordinator.shutdownGraceMs)) return;
    this.logger.warn(`shutdown grace over: releasing ${this.requests.size} waiting request(s) with 503`);
    for (const release of this.releases) release();
    await this.requests.settle(2000);
  }
}
