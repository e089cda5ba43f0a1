import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { JobEventsRepository, LoggedEvent } from '@kiln/store';
import { isTerminalJobState, JobState, jobStateRank } from '@kiln/tasks';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { JobsService } from '../jobs/jobs.service';
import { OrderedJobLog, OutputText } from './ordered-job-log';
import { SseWriter } from './sse-writer';
import { attemptOf, TaskAttempts } from './task-attempts';

const KEEP_ALIVE_MS = 15_000;

/**
 * GET /jobs/:id/events — Server-Sent Events: `state` (the job's state now, first),
 * then every `output` chunk and `state` change in order (earlier ones replayed
 * for a late client), then `end` with the final job. The stream closes when
 * the job is over. A replayed `state` older than one already sent is left
 * out, so the last `state` a client read is always the job's. A task run
 * again after its worker was lost prints its output again from the start:
 * `retry` ({task, attempt}) comes before the new attempt's first `output`
 * (each carries its `attempt`), and output of an attempt older than one
 * already sent is left out (task-attempts.ts).
 */
@Controller('jobs')
export class JobEventsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly log: JobEventsRepository,
  ) {}

  @Get(':id/events')
  async events(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Req() request: Request, @Res() response: Response) {
    // The job's output is read once, for `end`; the checks and the first `state` do without it.
    await this.jobs.status(id, principal);
    const sse = new SseWriter(response);
    const stream = new OrderedRelay(sse, () => this.jobs.view(id, principal));
    const stop = await this.log.follow(id, (logged) => void stream.live(logged));
    let finished = false;
    const finish = async () => {
      if (finished) return;
      finished = true;
      await stop();
      sse.close();
    };
    request.on('close', () => {
      stream.abandon();
      void finish();
    });
    stream.onEnd = finish;
    sse.open(KEEP_ALIVE_MS);
    await stream.start(await this.jobs.status(id, principal), await this.log.history(id));
  }
}

/** The SSE side of a job's ordered log: `state` and `output` (an interactive job's `stage` and `exit` entries are its WebSocket's). */
class OrderedRelay {
  onEnd: () => Promise<void> = async () => undefined;
  private sawEnd = false;
  private ended = false;
  /** The latest state sent (jobStateRank): a state replayed after it is history the client must not take for now. */
  private sentRank = -1;
  private readonly log = new OrderedJobLog((logged) => this.emit(logged));
  private readonly text = new OutputText();
  private readonly attempts = new TaskAttempts();

  constructor(
    private readonly sse: SseWriter,
    private readonly finalView: () => Promise<unknown>,
  ) {}

  async start(view: { state: string; verdict: string | null }, history: LoggedEvent[]): Promise<void> {
    this.sendState(view.state as JobState, view.verdict);
    this.sawEnd = isTerminalJobState(view.state as JobState);
    this.log.replay(history);
    if (this.sawEnd) await this.end();
  }

  async live(logged: LoggedEvent): Promise<void> {
    this.log.live(logged);
    if (this.sawEnd) await this.end();
  }

  /** The client went away: write nothing more. */
  abandon(): void {
    this.ended = true;
  }

  private emit({ id, event }: LoggedEvent): void {
    if (this.ended) return;
    if (event.type === 'state') {
      this.sawEnd ||= isTerminalJobState(event.state);
      this.sendState(event.state, event.verdict ?? null, id);
      return;
    }
    if (event.type !== 'output') return;
    const attempt = this.attempts.of(event);
    if (attempt === 'stale') return;
    const test = event.test !== undefined ? { test: event.test } : {};
    const output = { task: event.task, stream: event.stream, text: this.text.of(event), attempt: attemptOf(event), ...test };
    if (attempt === 'first') this.sse.send('retry', { task: event.task, attempt: output.attempt });
    this.sse.send('output', output, id);
  }

  private sendState(state: JobState, verdict: string | null, id?: string): void {
    const rank = jobStateRank(state);
    if (rank <= this.sentRank) return;
    this.sentRank = rank;
    this.sse.send('state', { state, verdict }, id);
  }

  private async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.sse.send('end', await this.finalView());
    await this.onEnd();
  }
}
