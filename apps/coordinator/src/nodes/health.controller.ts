import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { RedisHealth } from '@kiln/redis';
import { Public } from '../auth/public.decorator';
import { NodeRegistry } from './node-registry';
import { sandboxTiers } from './sandbox-tiers';


/**
 * Liveness and readiness: Redis answers, and some worker with a working
 * Docker engine is alive; and which sandbox tier the alive workers run, and why.
 */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly redis: RedisHealth,
    private readonly nodes: NodeRegistry,
  ) {}

  @Get()
  async health(@Res({ passthrough: true }) response: Response) {
    const redisUp = await this.redis.ping();
    const alive = redisUp ? await this.nodes.aliveWorkers() : [];
    const ready = redisUp && alive.some((worker) => worker.status === 'UP');
    response.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status: ready ? 'ok' : 'unavailable',
      redis: redisUp ? 'up' : 'down',
      workers: { alive: alive.length, dockerReady: alive.filter((worker) => worker.status === 'UP').length },
      sandbox: sandboxTiers(alive),
    };
  }
}
