import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { CreateSnippetDto } from './dto/create-snippet.dto';
import { SnippetQuotaExceededException, SnippetsService } from './snippets.service';

/** Share links: POST /snippets stores a program, GET /snippets/:id reads it back; `/s/<id>` opens it in the playground. */
@Controller('snippets')
export class SnippetsController {
  constructor(private readonly snippets: SnippetsService) {}

  @Post()
  @HttpCode(201)
  async create(@Body() dto: CreateSnippetDto, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: Response) {
    try {
      const snippet = await this.snippets.create(dto, principal);
      return { id: snippet.id, url: `/s/${snippet.id}`, expiresAt: snippet.expiresAt };
    } catch (error) {
      if (error instanceof SnippetQuotaExceededException && error.retryAfterSeconds) response.setHeader('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.snippets.get(id);
  }
}
