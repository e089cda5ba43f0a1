import { Controller, Get } from '@nestjs/common';
import { LanguageRegistry } from '@kiln/tasks';

@Controller('languages')
export class LanguagesController {
  constructor(private readonly languages: LanguageRegistry) {}

  @Get()
  list() {
    return this.languages.summaries();
  }
}
