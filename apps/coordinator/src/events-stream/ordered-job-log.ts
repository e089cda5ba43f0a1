import { StringDecoder } from 'node:string_decoder';
import { loggedAfter, LoggedEvent } from '@kiln/store';
import { JobStreamEvent } from '@kiln/tasks';
import { attemptOf } from './task-attempts';

/**
 * A job's event log delivered exactly once and in order, history first: live
 * entries that arrive while the history is being delivered wait, and any
 * entry already delivered is skipped by its stream id. Follow the log before
 * reading its history, so nothing falls between the two.
 */
export class OrderedJobLog {
  private lastId = '0-0';
  private replaying = true;
  private readonly pending: LoggedEvent[] = [];

  constructor(private readonly deliver: (logged: LoggedEvent) => void) {}

  replay(history: LoggedEvent[]): void {
    for (const logged of history) this.emit(logged);
    this.replaying = false;
    for (const logged of this.pending.splice(0)) this.emit(logged);
  }

  live(logged: LoggedEvent): void {
    if (this.replaying) this.pending.push(logged);
    else this.emit(logged);
  }

  private emit(logged: LoggedEvent): void {
    if (!loggedAfter(logged.id, this.lastId)) return;
    this.lastId = logged.id;
    this.deliver(logged);
  }
}

type OutputEvent = Extract<JobStreamEvent, { type: 'output' }>;

/**
 * Output chunks as text, each stream of each task, test and attempt decoded
 * on its own (a chunk may end inside a UTF-8 sequence, and a lost attempt's
 * last chunk is never finished).
 */
export class OutputText {
  private readonly decoders = new Map<string, StringDecoder>();

  of(event: OutputEvent): string {
    const key = `${event.task}/${event.test ?? ''}/${attemptOf(event)}/${event.stream}`;
    const decoder = this.decoders.get(key) ?? new StringDecoder('utf8');
    this.decoders.set(key, decoder);
    return decoder.write(Buffer.from(event.dataBase64, 'base64'));
  }
}
