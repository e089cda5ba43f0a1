import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { exposition } from '@kiln/telemetry';
import { Public } from '../auth/public.decorator';
import { CoordinatorMetrics } from './coordinator-metrics';

/**
 * GET /metrics: Prometheus text exposition of the coordinator (and Node's
 * process metrics). Needs no API key, like /health, so a scraper needs no
 * secret; it holds no job ids or secrets. Switch it off
 * (coordinator.api.endpoints.metrics) or firewall it where counts are private.
 */
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: CoordinatorMetrics) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() response: Response): Promise<void> {
    const { contentType, body } = await exposition(this.metrics.registry);
    response.type(contentType).send(body);
  }
}
