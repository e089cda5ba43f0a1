import { SessionChannelRepository } from '@kiln/store';
import { CoalescedOutput } from '../tasks/output-streamer';
import { LiveOutput } from './session-runs';

type Key = `${'compile' | 'run'}:${'stdout' | 'stderr'}`;

/**
 * A run's live output on its way to the coordinator that streams it (SSE),
 * by stage and stream, in order. The answer carries all of it anyway, so a
 * lost message costs nothing but its place in the stream.
 */
export class SessionOutputRelay {
  private readonly output: CoalescedOutput<Key>;

  constructor(channel: SessionChannelRepository, replyTo: string, requestId: string) {
    this.output = new CoalescedOutput<Key>((key, data) => {
      const [stage, stream] = key.split(':') as ['compile' | 'run', 'stdout' | 'stderr'];
      return channel.say(replyTo, { type: 'output', requestId, stage, stream, dataBase64: data.toString('base64') });
    });
  }

  readonly listener: LiveOutput = (stage, stream, chunk) => this.output.push(`${stage}:${stream}`, chunk);

  /** Everything passed so far has been sent (before the answer, which ends the stream). */
  close(): Promise<void> {
    return this.output.close();
  }
}
