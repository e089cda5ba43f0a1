import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { SnippetsService } from './snippets.service';

/** Shared snippets: a valid job request (checked as the jobs room checks one), stored within its key's quota. */
@Module({
  imports: [JobsModule],
  providers: [SnippetsService],
  exports: [SnippetsService],
})
export class SnippetsModule {}
