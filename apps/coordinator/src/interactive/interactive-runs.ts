import { ConflictException, Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { JobEventsRepository, JobStdinRepository, LoggedEvent } from '@kiln/store';
import { isTerminalJobState, JobStreamEvent, JobView } from '@kiln/tasks';
import { Principal } from '../auth/principal';
import { OrderedJobLog, OutputText } from '../events-stream/ordered-job-log';
import { TaskAttempts } from '../events-stream/task-attempts';
import { apiValidationPipe } from '../http/validation.pipe';
import { InvalidRequestException } from '../http/field-error';
import { CreateJobDto } from '../jobs/dto/create-job.dto';
import { JobSubmission } from '../jobs/job-submission';
import { JobsService } from '../jobs/jobs.service';
import { EventQueue } from './event-queue';
import { settledJobView } from './settled-job-view';
import {
  INTERACTIVE_SIGNAL_NUMBERS,
  InteractiveEvent,
  InteractiveRun,
  InteractiveRunError,
  InteractiveRunStarter,
  InteractiveSignal,
} from './interactive-run';

/**
 * Interactive runs (interactive-run.ts is the contract): the job is submitted
 * as POST /jobs submits it, with `interactive: true`; what the client sends
 * goes to the job's stdin stream (libs/store JobStdinRepository), which the
 * worker running the program relays to it; what the client hears is the
 * job's event log (the worker's stage starts, output and exits, the
 * coordinator's end), ending with the job as GET /jobs/:id answers it.
 * Nothing here holds a sandbox: the job's own limits end it, whatever the
 * client does.
 */
@Injectable()
export class InteractiveRuns implements InteractiveRunStarter {
  private readonly validation = apiValidationPipe();

  constructor(
    private readonly submission: JobSubmission,
    private readonly jobs: JobsService,
    private readonly log: JobEventsRepository,
    private readonly stdin: JobStdinRepository,
    private readonly config: KilnConfig,
  ) {}

  async start(request: unknown, principal: Principal): Promise<InteractiveRun> {
    const dto = await this.validated(request);
    const job = await this.submission.submit(dto, principal);
    const id = job.meta.id;
    const events = new EventQueue<InteractiveEvent>();
    const feed = new JobFeed(events, () => settledJobView(() => this.jobs.view(id, principal)));
    // Follow first, then read the history: nothing falls between the two.
    const stop = await this.log.follow(id, (logged) => feed.live(logged));
    events.onEnd(() => void stop());
    void this.log.history(id).then(
      (history) => feed.replay(history),
      (error: Error) => events.fail(error),
    );
    // The slower path, should the log's live feed miss the end: once the job is over, what the log holds, in order.
    void this.jobs
      .waitForEnd(job)
      .then(() => this.log.history(id))
      .then(
        (history) => feed.replay(history),
        () => undefined,
      );
    return new LiveRun(id, events, this.stdin, this.config.coordinator.interactive.maxStdinBytes, () => this.cancel(id, principal));
  }

  /** The request as POST /jobs validates it (the same pipe: unknown fields refused, errors per field). */
  private async validated(request: unknown): Promise<CreateJobDto> {
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      throw new InvalidRequestException([{ field: 'job', message: 'the job request must be a JSON object' }]);
    }
    const dto = (await this.validation.transform({ ...request, interactive: true }, { type: 'body', metatype: CreateJobDto })) as CreateJobDto;
    return dto;
  }

  private async cancel(id: string, principal: Principal): Promise<void> {
    await this.jobs.cancel(id, principal).catch((error: unknown) => {
      if (!(error instanceof ConflictException)) throw error; // already over: nothing to cancel
    });
  }
}

/** The job's event log as a client's events: stages, output as text, exits, then the finished job once. */
class JobFeed {
  private readonly ordered = new OrderedJobLog((logged) => this.deliver(logged.event));
  private readonly text = new OutputText();
  private readonly attempts = new TaskAttempts();
  private ending = false;

  constructor(
    private readonly events: EventQueue<InteractiveEvent>,
    private readonly finished: () => Promise<JobView>,
  ) {}

  replay(history: LoggedEvent[]): void {
    this.ordered.replay(history);
  }

  live(logged: LoggedEvent): void {
    this.ordered.live(logged);
  }

  private deliver(event: JobStreamEvent): void {
    if (this.ending) return;
    switch (event.type) {
      case 'stage':
        this.events.push({ type: 'stage', stage: event.stage });
        return;
      case 'output':
        // A new attempt's `stage` (the worker sends it at each attempt) already told the client; a lost attempt's later output is not the run's.
        if (this.attempts.of(event) === 'stale') return;
        if (event.task === 'compile' || event.task === 'run') this.events.push({ type: 'data', stream: event.stream, data: this.text.of(event) });
        return;
      case 'exit':
        this.events.push({ type: 'exit', stage: event.stage, code: event.exitCode, signal: event.signal, status: event.verdict });
        return;
      case 'state':
        if (isTerminalJobState(event.state)) this.end();
    }
  }

  private end(): void {
    this.ending = true;
    this.finished().then(
      (job) => {
        this.events.push({ type: 'done', job });
        this.events.end();
      },
      (error: Error) => this.events.fail(error),
    );
  }
}

/** One started run: its events, and what the client sends, bounded. */
class LiveRun implements InteractiveRun {
  private stdinBytes = 0;
  private stdinClosed = false;

  constructor(
    readonly id: string,
    private readonly queue: EventQueue<InteractiveEvent>,
    private readonly stdin: JobStdinRepository,
    private readonly maxStdinBytes: number,
    private readonly cancelJob: () => Promise<void>,
  ) {}

  get events(): AsyncIterable<InteractiveEvent> {
    return this.queue;
  }

  async writeStdin(data: string): Promise<void> {
    if (this.queue.ended) return;
    if (this.stdinClosed) throw new InteractiveRunError('stdin_closed', 'stdin was already closed');
    const bytes = Buffer.from(data, 'utf8');
    if (this.stdinBytes + bytes.length > this.maxStdinBytes) {
      throw new InteractiveRunError('stdin_too_large', `at most ${this.maxStdinBytes} bytes of stdin per run (coordinator.interactive.maxStdinBytes)`);
    }
    this.stdinBytes += bytes.length;
    if (bytes.length) await this.stdin.append(this.id, { type: 'data', data: bytes });
  }

  async closeStdin(): Promise<void> {
    if (this.stdinClosed || this.queue.ended) return;
    this.stdinClosed = true;
    await this.stdin.append(this.id, { type: 'end' });
  }

  async signal(name: string): Promise<void> {
    const number = INTERACTIVE_SIGNAL_NUMBERS[name as InteractiveSignal];
    if (!Object.hasOwn(INTERACTIVE_SIGNAL_NUMBERS, name)) throw new InteractiveRunError('bad_signal', `unknown signal ${JSON.stringify(name)}`);
    if (!this.queue.ended) await this.stdin.append(this.id, { type: 'signal', signal: number });
  }

  async cancel(): Promise<void> {
    if (!this.queue.ended) await this.cancelJob();
  }
}
