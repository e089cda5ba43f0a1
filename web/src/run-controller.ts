import { KilnApiError, type KilnClient, type JobView } from '@kiln/client';
import type { FilesView } from './files-view';
import type { OutputView } from './output-view';
import type { ProgramForm } from './program-form';
import type { ResultView } from './result-view';

export interface RunButtons {
  run: HTMLButtonElement;
  cancel: HTMLButtonElement;
}

/**
 * Run: POST /jobs, then follow GET /jobs/:id/events, showing output as it
 * streams and the verdict and the returned files at the end. Cancel: PUT /jobs/:id/cancel (the
 * stream then ends with the cancelled job).
 */
export class RunController {
  private jobId: string | null = null;
  private running = false;
  /** Cancel was pressed before the server had answered with the job's id. */
  private cancelWanted = false;

  constructor(
    private readonly client: KilnClient,
    private readonly form: ProgramForm,
    private readonly output: OutputView,
    private readonly result: ResultView,
    private readonly files: FilesView,
    private readonly buttons: RunButtons,
    private readonly onError: (error: unknown) => void,
  ) {
    buttons.run.addEventListener('click', () => void this.run());
    buttons.cancel.addEventListener('click', () => void this.cancel());
  }

  async run(): Promise<void> {
    if (this.running) return;
    this.setRunning(true);
    this.output.clear();
    this.result.clear();
    this.files.clear();
    this.result.showState('SUBMITTING');
    const expected = this.form.expectations();
    try {
      const { id } = await this.client.submit(this.form.jobRequest());
      this.jobId = id;
      if (this.cancelWanted) void this.cancel();
      const job = await this.follow(id);
      this.output.fillFrom(job);
      this.result.showJob(job, expected);
      this.files.show(job);
    } catch (error) {
      this.result.showError(error instanceof Error ? error.message : String(error));
      this.onError(error);
    } finally {
      this.jobId = null;
      this.cancelWanted = false;
      this.setRunning(false);
    }
  }

  async cancel(): Promise<void> {
    this.buttons.cancel.disabled = true;
    if (!this.jobId) {
      this.cancelWanted = this.running;
      return;
    }
    try {
      await this.client.cancel(this.jobId);
    } catch (error) {
      // 409: it finished meanwhile, and the stream says how.
      if (!(error instanceof KilnApiError && error.status === 409)) this.onError(error);
    }
  }

  private async follow(id: string): Promise<JobView> {
    for await (const event of this.client.events(id)) {
      if (event.type === 'state') this.result.showState(event.state);
      else if (event.type === 'output') this.output.append(event);
      else return event.job;
    }
    // The stream closed without its end event (a proxy cut it): ask once more.
    return this.client.job(id);
  }

  private setRunning(running: boolean): void {
    this.running = running;
    this.buttons.run.disabled = running;
    this.buttons.cancel.disabled = !running;
    this.buttons.run.setAttribute('aria-busy', String(running));
  }
}
