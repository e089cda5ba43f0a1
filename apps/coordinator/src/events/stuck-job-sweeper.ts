import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { JobRepository } from '@kiln/store';
import { isTerminalJobState, JobState, Verdict } from '@kiln/tasks';
import { runEvery } from '@kiln/telemetry';
import { JobFinisher } from '../jobs/job-finisher';

const SWEEP_INTERVAL_MS = 5000;

/**
 * The last guarantee that no job stays RUNNING forever: a job still unfinished
 * at its deadline (jobs.deadlineMs after acceptance) ends FAILED with a clear
 * reason, its sandboxes are killed and its cleanup runs. Any coordinator may
 * sweep; the terminal transition happens once.
 */
@Injectable()
export class StuckJobSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(StuckJobSweeper.name);
  private stopPasses = (): void => undefined;

  constructor(
    private readonly store: JobRepository,
    private readonly finisher: JobFinisher,
    private readonly config: KilnConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stopPasses = runEvery(SWEEP_INTERVAL_MS, () => this.sweep(), (e) => this.logger.warn(`sweep failed: ${e.message}`));
  }

  onModuleDestroy(): void {
    this.stopPasses();
  }

  /** Ends every overdue job; returns how many it ended. */
  async sweep(now = Date.now()): Promise<number> {
    let ended = 0;
    for (const id of await this.store.overdue(now)) {
      const job = await this.store.get(id);
      if (!job || isTerminalJobState(job.state)) {
        await this.store.forgetLive(id);
        continue;
      }
      const error = `the job did not finish within jobs.deadlineMs (${this.config.jobs.deadlineMs} ms): no worker completed its tasks`;
      if (await this.finisher.stop(id, { state: JobState.FAILED, verdict: Verdict.INTERNAL_ERROR, error })) {
        this.logger.warn(`job ${id} ended: ${error}`);
        ended++;
      }
    }
    return ended;
  }
}
