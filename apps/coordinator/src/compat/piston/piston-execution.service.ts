import { GatewayTimeoutException, Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { Principal } from '../../auth/principal';
import { CompatJobs } from '../compat-jobs';
import { parsePistonExecution } from './piston-execute.request';
import { pistonToNativeJob } from './piston-job.mapper';
import { PistonResult, toPistonResult } from './piston-result.mapper';
import { PistonRuntimes } from './piston-runtimes';

/** POST /api/v2/execute: Piston's request → a Kiln job, waited for → Piston's answer. */
@Injectable()
export class PistonExecutionService {
  constructor(
    private readonly runtimes: PistonRuntimes,
    private readonly jobs: CompatJobs,
    private readonly config: KilnConfig,
  ) {}

  async execute(body: unknown, principal: Principal): Promise<PistonResult> {
    const execution = parsePistonExecution(body, this.runtimes, this.config.limits);
    const job = await this.jobs.submit(pistonToNativeJob(execution), principal);
    const { done, view } = await this.jobs.waitForEnd(job);
    if (!done) throw new GatewayTimeoutException({ message: `job ${view.id} did not finish in time; it goes on: GET /jobs/${view.id}` });
    return toPistonResult(view, execution.runtime, job.meta.limits);
  }
}
