import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { StringDecoder } from 'node:string_decoder';
import { JobEventsRepository, loggedAfter, LoggedEvent } from '@kiln/store';
import { isTerminalJobState } from '@kiln/tasks';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { JobsService } from '../jobs/jobs.service';
import { SseWriter } from './sse-writer';

const KEEP_ALIVE_MS = 15_000;

/**
 * GET /jobs/:id/events — Server-Sent Events: `state` (the job's state now, first),
 * then every `output` chunk and `state` change in order (earlier ones replayed
 * for a late client), then `end` with the final job. The stream closes when
 * the job is over.
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

/**
 * Delivers history then live events exactly once and in order: live events
 * that arrive while the history is being sent wait, and anything already
 * replayed is skipped by its stream id.
 */
class OrderedRelay {
  onEnd: () => Promise<void> = async () => undefined;
  private lastId = '0-0';
  private replaying = true;
  private sawEnd = false;
  private ended = false;
  private readonly pending: LoggedEvent[] = [];
  private readonly decoders = new Map<string, StringDecoder>();

  constructor(
    private readonly sse: SseWriter,
    private readonly finalView: () => Promise<unknown>,
  ) {}

  async start(view: { state: string; verdict: string | null }, history: LoggedEvent[]): Promise<void> {
    this.sse.send('state', { state: view.state, verdict: view.verdict });
    this.sawEnd = isTerminalJobState(view.state as never);
    for (const logged of history) this.emit(logged);
    this.replaying = false;
    for (const logged of this.pending.splice(0)) this.emit(logged);
    if (this.sawEnd) await this.end();
  }

  async live(logged: LoggedEvent): Promise<void> {
    if (this.replaying) {
      this.pending.push(logged);
      return;
    }
    this.emit(logged);
    if (this.sawEnd) await this.end();
  }

  /** The client went away: write nothing more. */
  abandon(): void {
    this.ended = true;
  }

  private emit({ id, event }: LoggedEvent): void {
    if (this.ended || !loggedAfter(id, this.lastId)) return;
    this.lastId = id;
    if (event.type === 'state') {
      this.sawEnd ||= isTerminalJobState(event.state);
      this.sse.send('state', { state: event.state, verdict: event.verdict ?? null }, id);
      return;
    }
    const key = `${event.task}/${event.test ?? ''}/${event.stream}`;
    const decoder = this.decoders.get(key) ?? new StringDecoder('utf8');
    this.decoders.set(key, decoder);
    const text = decoder.write(Buffer.from(event.dataBase64, 'base64'));
    const test = event.test !== undefined ? { test: event.test } : {};
    this.sse.send('output', { task: event.task, stream: event.stream, text, ...test }, id);
  }

  private async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.sse.send('end', await this.finalView());
    await this.onEnd();
  }
}
