import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { CompatJobs } from './compat-jobs';

/** The compatibility APIs' one way to Kiln's jobs (CompatJobs). */
@Module({
  imports: [JobsModule],
  providers: [CompatJobs],
  exports: [CompatJobs],
})
export class CompatModule {}
