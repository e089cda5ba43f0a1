import { Body, Controller, Get, NotFoundException, Param, Post, Query, Res, Type, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { KilnConfig } from '@kiln/config';
import { AcceptKeyHeaders } from '../../auth/key-headers.decorator';
import { CurrentPrincipal, Principal } from '../../auth/principal';
import { Judge0ExceptionFilter } from './judge0-exception.filter';
import { Judge0Languages } from './judge0-languages';
import { JUDGE0_STATUSES } from './judge0-statuses';
import { Judge0Answer, Judge0Query, Judge0SubmissionsService } from './judge0-submissions.service';
import { Judge0SubmissionBody } from './judge0-submission.request';

/**
 * The Judge0 CE controllers, mounted under `coordinator.api.judge0.prefix`
 * (a route prefix is fixed when a controller class is declared, so the
 * classes are made for the configured one). Bodies are checked by Judge0's
 * rules in the service, not by a DTO: Judge0's 422s are the contract.
 */
export function judge0Controllers(config: KilnConfig): Type[] {
  const prefix = config.coordinator.api.judge0.prefix.replace(/^\//, '');

  @Controller(prefix)
  @UseFilters(Judge0ExceptionFilter)
  @AcceptKeyHeaders('x-auth-token')
  class Judge0SubmissionsController {
    constructor(private readonly submissions: Judge0SubmissionsService) {}

    @Post('submissions')
    async create(@Body() body: Judge0SubmissionBody, @Query() query: Judge0Query, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response) {
      return answer(response, await this.submissions.create(body, query, principal));
    }

    // Declared before submissions/:token, which would otherwise take "batch" for a token.
    @Get('submissions/batch')
    getBatch(@Query() query: Judge0Query, @CurrentPrincipal() principal: Principal) {
      return this.submissions.getBatch(query, principal);
    }

    @Post('submissions/batch')
    async createBatch(@Body() body: { submissions?: unknown }, @Query() query: Judge0Query, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response) {
      return answer(response, await this.submissions.createBatch(body, query, principal));
    }

    @Get('submissions/:token')
    get(@Param('token') token: string, @Query() query: Judge0Query, @CurrentPrincipal() principal: Principal) {
      return this.submissions.get(token, query, principal);
    }
  }

  @Controller(prefix)
  @UseFilters(Judge0ExceptionFilter)
  @AcceptKeyHeaders('x-auth-token')
  class Judge0CatalogController {
    constructor(private readonly languages: Judge0Languages) {}

    @Get('languages')
    list() {
      return this.languages.list().map(({ id, name }) => ({ id, name }));
    }

    /** Judge0's language detail; the commands are Kiln's argv templates, space-joined. */
    @Get('languages/:id')
    get(@Param('id') id: string) {
      const language = this.languages.find(Number(id));
      if (!language) throw new NotFoundException({ error: `language with id ${id} doesn't exist` });
      const { definition } = language;
      return {
        id: Number(id),
        name: language.name,
        is_archived: false,
        source_file: definition.file,
        compile_cmd: definition.compile?.join(' ') ?? null,
        run_cmd: definition.run.join(' '),
      };
    }

    @Get('statuses')
    statuses() {
      return JUDGE0_STATUSES;
    }
  }

  return [Judge0SubmissionsController, Judge0CatalogController];
}

function answer(response: Response, { status, body }: Judge0Answer): unknown {
  response.status(status);
  return body;
}
