import { GatewayTimeoutException, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { isTerminalJobState } from '@kiln/tasks';
import { Principal } from '../../auth/principal';
import { WaitOutcome } from '../../jobs/job-waiters';
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
    const { outcome, view } = await this.jobs.waitForEnd(job);
    if (!isTerminalJobState(view.state)) throw unfinished(outcome, view.id);
    return toPistonResult(view, execution.runtime, job.meta.limits);
  }
}

/** As /execute answers a job it could not wait for: 503 while this coordinator shuts down, else 504; the job goes on. */
function unfinished(outcome: WaitOutcome, id: string): Error {
  if (outcome === 'interrupted') return new ServiceUnavailableException({ message: `this coordinator is shutting down; job ${id} goes on: GET /jobs/${id}` });
  return new GatewayTimeoutException({ message: `job ${id} did not finish in time; it goes on: GET /jobs/${id}` });
}
