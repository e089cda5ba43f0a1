import { Body, Controller, GatewayTimeoutException, HttpCode, Post, ServiceUnavailableException } from '@nestjs/common';
import { isTerminalJobState } from '@kiln/tasks';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { CreateJobDto } from './dto/create-job.dto';
import { JobSubmission } from './job-submission';
import { JobsService } from './jobs.service';
import { refuseInteractiveOverHttp } from './http-job-request';

/** Run and wait: the answer is the finished job. */
@Controller('execute')
export class ExecuteController {
  constructor(
    private readonly jobs: JobsService,
    private readonly submission: JobSubmission,
  ) {}

  @Post()
  @HttpCode(200)
  async execute(@Body() dto: CreateJobDto, @CurrentPrincipal() principal: Principal) {
    refuseInteractiveOverHttp(dto);
    const job = await this.submission.submit(dto, principal);
    const { outcome, view } = await this.jobs.waitForEnd(job);
    if (outcome === 'interrupted' && !isTerminalJobState(view.state)) {
      throw new ServiceUnavailableException({
        error: `this coordinator is shutting down; job ${view.id} goes on: poll GET /jobs/${view.id}`,
        id: view.id,
        state: view.state,
      });
    }
    if (outcome === 'timeout' && !isTerminalJobState(view.state)) {
      throw new GatewayTimeoutException({
        error: `job ${view.id} did not finish in time; it goes on: poll GET /jobs/${view.id}`,
        id: view.id,
        state: view.state,
      });
    }
    return view;
  }
}
