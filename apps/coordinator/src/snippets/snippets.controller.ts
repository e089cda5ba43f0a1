import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CreateSnippetDto } from './dto/create-snippet.dto';
import { SnippetsService } from './snippets.service';

/** Share links: POST /snippets stores a program, GET /snippets/:id reads it back; `/s/<id>` opens it in the playground. */
@Controller('snippets')
export class SnippetsController {
  constructor(private readonly snippets: SnippetsService) {}

  @Post()
  @HttpCode(201)
  async create(@Body() dto: CreateSnippetDto) {
    const snippet = await this.snippets.create(dto);
    return { id: snippet.id, url: `/s/${snippet.id}`, expiresAt: snippet.expiresAt };
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.snippets.get(id);
  }
}
