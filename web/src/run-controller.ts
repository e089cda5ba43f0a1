import { KilnApiError, type KilnClient, type JobRequest, type JobView } from '@kiln/client';
import type { FilesView } from './files-view';
import { InteractiveRunFailed, InteractiveSocket, InteractiveUnavailable } from './interactive-socket';
import type { LiveInput } from './live-input';
import type { OutputView } from './output-view';
import type { ProgramForm } from './program-form';
import type { ResultView } from './result-view';

export interface RunButtons {
  run: HTMLButtonElement;
  cancel: HTMLButtonElement;
}

/**
 * Run: interactively when the form says so (ProgramForm.isInteractive) —
 * over the interactive WebSocket, output as it is written and the live
 * input box feeding stdin — else, or when this Kiln serves no interactive
 * runs, POST /jobs and follow GET /jobs/:id/events. Either way the verdict
 * and the returned files at the end. Cancel: PUT /jobs/:id/cancel, or the
 * socket's cancel (the run then ends with the cancelled job).
 */
export class RunController {
  private jobId: string | null = null;
  private socket: InteractiveSocket | null = null;
  private running = false;
  /** Cancel was pressed before the server had answered with the job's id. */
  private cancelWanted = false;

  constructor(
    private readonly client: KilnClient,
    private readonly form: ProgramForm,
    private readonly output: OutputView,
    private readonly result: ResultView,
    private readonly files: FilesView,
    private readonly liveInput: LiveInput,
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
      const request = this.form.jobRequest();
      const job = (this.form.isInteractive() ? await this.runInteractively(request) : null) ?? (await this.submitAndFollow(request));
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
    if (this.socket) {
      this.socket.cancel();
      return;
    }
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

  private async submitAndFollow(request: JobRequest): Promise<JobView> {
    const { id } = await this.client.submit(request);
    this.jobId = id;
    if (this.cancelWanted) void this.cancel();
    return this.follow(id);
  }

  /** The run over the interactive socket; null when this Kiln serves none (the caller submits it instead). */
  private async runInteractively(request: JobRequest): Promise<JobView | null> {
    let socket: InteractiveSocket;
    try {
      socket = await InteractiveSocket.open(request, this.client.key);
    } catch (error) {
      if (error instanceof InteractiveUnavailable) return null;
      throw error;
    }
    this.socket = socket;
    if (this.cancelWanted) socket.cancel();
    this.result.showState('PENDING');
    this.liveInput.attach(socket);
    try {
      let stage = 'run';
      // A stage that begins again before its exit is a re-run: its worker was lost (the interactive contract).
      const begun = new Set<string>();
      for await (const event of socket.events()) {
        if (event.type === 'stage') {
          if (begun.has(event.stage)) this.output.restart(event.stage);
          begun.add(event.stage);
          stage = event.stage;
          this.result.showState('RUNNING');
        } else if (event.type === 'exit') begun.delete(event.stage);
        else if (event.type === 'data') this.output.append({ task: stage, stream: event.stream, text: event.data });
        else if (event.type === 'done') return event.job;
      }
      throw new InteractiveRunFailed('the connection closed before the job ended');
    } finally {
      this.liveInput.detach();
      this.socket = null;
    }
  }

  private async follow(id: string): Promise<JobView> {
    for await (const event of this.client.events(id)) {
      if (event.type === 'state') this.result.showState(event.state);
      else if (event.type === 'output') this.output.append(event);
      else if (event.type === 'retry') this.output.restart(event.task, event.attempt);
      else if (event.type === 'end') return event.job;
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
