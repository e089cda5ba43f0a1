import { Injectable } from '@nestjs/common';
import { JobRecord, JobView } from '@kiln/tasks';
import { Principal } from '../auth/principal';
import { apiValidationPipe } from '../http/validation.pipe';
import { CreateJobDto } from '../jobs/dto/create-job.dto';
import { JobSubmission } from '../jobs/job-submission';
import { WaitOutcome } from '../jobs/job-waiters';
import { JobsService } from '../jobs/jobs.service';

/**
 * The one way the compatibility APIs reach Kiln's jobs: a native request
 * (what a peer's request maps to) is validated exactly as POST /jobs
 * validates it (the DTO, then the configuration-dependent checks) and
 * submitted through JobSubmission, then read and waited for through
 * JobsService. There is no second execution path; errors
 * stay Kiln's own (InvalidRequestException with field details, 503…) for
 * each API's filter to reshape.
 */
@Injectable()
export class CompatJobs {
  private readonly validation = apiValidationPipe();

  constructor(
    private readonly submission: JobSubmission,
    private readonly jobs: JobsService,
  ) {}

  async submit(request: object, principal: Principal): Promise<JobRecord> {
    const dto = (await this.validation.transform(request, { type: 'body', metatype: CreateJobDto })) as CreateJobDto;
    return this.submission.submit(dto, principal);
  }

  waitForEnd(job: JobRecord): Promise<{ outcome: WaitOutcome; view: JobView }> {
    return this.jobs.waitForEnd(job);
  }

  view(id: string, principal: Principal): Promise<JobView> {
    return this.jobs.view(id, principal);
  }
}
