import { Injectable } from '@nestjs/common';
import { JobRecord, JobView } from '@kiln/tasks';
import { Principal } from '../auth/principal';
import { apiValidationPipe } from '../http/validation.pipe';
import { CreateJobDto } from '../jobs/dto/create-job.dto';
import { PlannedJob } from '../jobs/job-planner';
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
    const [job] = await this.admit([await this.prepare(request, principal)], principal);
    return job;
  }

  /** Validates and plans one request (see JobSubmission.prepare). */
  async prepare(request: object, principal: Principal): Promise<PlannedJob> {
    const dto = (await this.validation.transform(request, { type: 'body', metatype: CreateJobDto })) as CreateJobDto;
    return this.submission.prepare(dto, principal);
  }

  /** Admits the jobs of one request together, all or none (see JobSubmission.admit). */
  admit(planned: PlannedJob[], principal: Principal): Promise<JobRecord[]> {
    return this.submission.admit(planned, principal);
  }

  waitForEnd(job: JobRecord): Promise<{ outcome: WaitOutcome; view: JobView }> {
    return this.jobs.waitForEnd(job);
  }

  view(id: string, principal: Principal): Promise<JobView> {
    return this.jobs.view(id, principal);
  }
}
