import { Body, Controller, Get, HttpCode, Post, UseFilters } from '@nestjs/common';
import { CurrentPrincipal, Principal } from '../../auth/principal';
import { JsonBodyOfAnyType } from '../../http/json-body.interceptor';
import { PistonExceptionFilter } from './piston-exception.filter';
import { PistonExecutionService } from './piston-execution.service';
import { PistonRuntimes } from './piston-runtimes';

/** Piston v2 (engineer-man/piston): GET /api/v2/runtimes, POST /api/v2/execute. */
@Controller('api/v2')
@UseFilters(PistonExceptionFilter)
export class PistonController {
  constructor(
    private readonly runtimes: PistonRuntimes,
    private readonly execution: PistonExecutionService,
  ) {}

  @Get('runtimes')
  list() {
    return this.runtimes.list().map(({ language, version, aliases, runtime }) => ({ language, version, aliases, runtime }));
  }

  /**
   * The body is checked by Piston's rules (PistonExecutionService), not by a
   * DTO: Piston's messages are the contract. Piston clients (piston-client
   * among them) send JSON as text/plain.
   */
  @Post('execute')
  @JsonBodyOfAnyType()
  @HttpCode(200)
  execute(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    return this.execution.execute(body, principal);
  }
}
