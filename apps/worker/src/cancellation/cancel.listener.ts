import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobSignalsRepository } from '@kiln/store';
import { SandboxRuntime } from '../sandbox/sandbox-runtime';

/** Kills this worker's sandboxes of a job as soon as any coordinator cancels it. */
@Injectable()
export class CancelListener implements OnApplicationBootstrap {
  private readonly logger = new Logger(CancelListener.name);

  constructor(
    private readonly signals: JobSignalsRepository,
    private readonly sandboxes: SandboxRuntime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.signals.onCancel((jobId) => void this.cancel(jobId));
  }

  private async cancel(jobId: string): Promise<void> {
    const killed = await this.sandboxes.killOwner(jobId);
    if (killed) this.logger.log(`cancelled job ${jobId}: killed ${killed} sandbox(es)`);
  }
}
