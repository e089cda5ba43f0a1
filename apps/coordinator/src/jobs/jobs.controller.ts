import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { toJobView } from '@kiln/tasks';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { CreateJobDto } from './dto/create-job.dto';
import { JobSubmission } from './job-submission';
import { JobsService } from './jobs.service';
import { refuseInteractiveOverHttp } from './http-job-request';

/** Asynchronous jobs: submit (202), poll, cancel. */
@Controller('jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly submission: JobSubmission,
  ) {}

  @Post()
  @HttpCode(202)
  async create(@Body() dto: CreateJobDto, @CurrentPrincipal() principal: Principal) {
    refuseInteractiveOverHttp(dto);
    const job = await this.submission.submit(dto, principal);
    return { id: job.meta.id, state: job.state, job: toJobView(job) };
  }

  @Get(':id')
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.jobs.view(id, principal);
  }

  @Put(':id/cancel')
  cancel(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.jobs.cancel(id, principal);
  }
}
