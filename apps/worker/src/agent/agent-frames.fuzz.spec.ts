import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import {
  agentReplyLimit,
  AgentProtocolError,
  AgentResult,
  decodeCollectedFile,
  decodeFileFrame,
  decodeSkippedEntry,
  encodeFrame,
  Frame,
  FRAME_COLLECTED_FILE,
  FRAME_HEADER_BYTES,
  FRAME_RESULT,
  FRAME_SKIPPED,
  FrameDecoder,
  MAX_SKIPPED_FRAME_BYTES,
  parseResult,
} from './agent-frames';
import { AgentGoneError, AgentRefusedError, AgentSession } from './agent-session';

/**
 * Issue 12: a bounded, deterministic fuzz of the worker's side of the agent
 * protocol. Streams from the committed corpus (fuzz-corpus/*.hex: real
 * exchanges, one hex dump each) are mutated by a seeded generator, split at
 * random points and decoded. However broken a stream is, decoding:
 * - throws nothing but AgentProtocolError (the session's cue to give up);
 * - never holds more than one frame's allowed size (checked after every chunk);
 * - gives the same frames, and the same error, however the stream is split;
 * - types every payload it lets through (files, skipped entries, results) sanely or refuses it;
 * and a session fed such a stream always settles its exec, with a report or
 * with one of the session's own errors, once the stream ends.
 * A stream that ever breaks one of these belongs in the corpus, as a file.
 */
const SEEDS = [1, 2, 3, 0x6b696c6e, 20261201];
const STREAMS_PER_SEED = 2000;
const SESSIONS_PER_SEED = 150;
/** As in a compile's collecting exec, smaller: collected files up to 1 MiB. */
const COLLECT_MAX_BYTES = 1024 * 1024;
const limitOf = (type: string) => agentReplyLimit(type, COLLECT_MAX_BYTES);
/** Fewer than a compile asks: the corpus stream (3 named) passes, repeats and splices of it may not. */
const SKIPPED_MAX = 4;

const CORPUS_DIR = join(__dirname, 'fuzz-corpus');
const corpus: Buffer[] = readdirSync(CORPUS_DIR)
  .filter((name) => name.endsWith('.hex'))
  .sort()
  .map((name) =>
    Buffer.from(
      readFileSync(join(CORPUS_DIR, name), 'utf8')
        .split('\n')
        .filter((line) => !line.startsWith('#'))
        .join(''),
      'hex',
    ),
  );

/** mulberry32: small, fast and the same everywhere. */
class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  bytes(count: number): Buffer {
    return Buffer.from(Array.from({ length: count }, () => this.int(256)));
  }
}

/** Lengths at and around every limit, and the extremes. */
const INTERESTING_LENGTHS = [0, 1, 4, 5, 6, 255, 256, 257, MAX_SKIPPED_FRAME_BYTES, MAX_SKIPPED_FRAME_BYTES + 1, 0x7fff, 0x8000, 0xffff, 0x10000, 0x10001, COLLECT_MAX_BYTES, COLLECT_MAX_BYTES + 4102, COLLECT_MAX_BYTES + 4103, 0x10000000, 0x10000001, 0x7fffffff, 0xffffffff];
const TYPES = [...'HPOEFNRXSQ', '\0', '\xff'];
const RESULT_NUMBERS = ['-1', '-0', '00', '9007199254740993', '99999999999999999999', '1e3', '0x10', '', ' 1', '18446744073709551615'];
const RESULT_TEXT = ['exit_code=', 'signal=', 'wall_ms=', 'max_rss_kb=', 'skipped=', '-', '99999999999999999999', '=', '\n', 'collect_error=x\n', '\0'];

class StreamFuzzer {
  constructor(private readonly random: Random) {}

  /** A corpus stream with a few mutations, or now and then random bytes. */
  stream(): Buffer {
    if (this.random.int(20) === 0) return this.random.bytes(this.random.int(200));
    let stream: Buffer = Buffer.from(this.random.pick(corpus));
    const mutations = 1 + this.random.int(4);
    for (let i = 0; i < mutations; i++) stream = this.mutate(stream);
    return stream;
  }

  /** Splits a stream into 1 to 8 chunks at random points. */
  cuts(stream: Buffer): Buffer[] {
    const points = Array.from({ length: this.random.int(8) }, () => this.random.int(stream.length + 1)).sort((a, b) => a - b);
    return [0, ...points].map((start, i, all) => stream.subarray(start, all[i + 1] ?? stream.length));
  }

  private mutate(stream: Buffer): Buffer {
    const at = this.random.int(stream.length + 1);
    switch (this.random.int(11)) {
      case 9:
      case 10: // a payload changed inside a well-framed stream (lengths stay right)
        return this.mutatePayload(stream);
      case 0: // flip a bit
        if (stream.length) stream[at % stream.length] ^= 1 << this.random.int(8);
        return stream;
      case 1: // overwrite a frame length (at a header, or anywhere)
        return this.writeLength(stream, this.random.int(2) ? this.headerOffset(stream) + 1 : at);
      case 2: // change a frame type
        if (stream.length) stream[this.headerOffset(stream)] = this.random.pick(TYPES).charCodeAt(0);
        return stream;
      case 3: // insert random bytes
        return Buffer.concat([stream.subarray(0, at), this.random.bytes(1 + this.random.int(16)), stream.subarray(at)]);
      case 4: // delete a range
        return Buffer.concat([stream.subarray(0, at), stream.subarray(at + 1 + this.random.int(32))]);
      case 5: // repeat a range
        return Buffer.concat([stream.subarray(0, at), stream.subarray(at, at + this.random.int(64)), stream.subarray(at)]);
      case 6: // cut short
        return stream.subarray(0, at);
      case 7: // splice in another corpus stream
        return Buffer.concat([stream.subarray(0, at), this.random.pick(corpus)]);
      default: // text that results are made of, or an F name length
        return this.random.int(2)
          ? Buffer.concat([stream.subarray(0, at), Buffer.from(this.random.pick(RESULT_TEXT)), stream.subarray(at)])
          : this.writeNameLength(stream, this.headerOffset(stream) + FRAME_HEADER_BYTES);
    }
  }

  /** Re-frames the stream's whole frames with one payload edited: what the payload decoders get. */
  private mutatePayload(stream: Buffer): Buffer {
    const frames = new FrameDecoder(limitOf);
    let decoded: Frame[];
    try {
      decoded = frames.push(stream);
    } catch {
      return stream;
    }
    if (decoded.length === 0) return stream;
    const target = this.random.pick(decoded);
    const payload = target.payload;
    const at = this.random.int(payload.length + 1);
    const edits: (() => Buffer)[] = [
      () => Buffer.concat([payload.subarray(0, at), Buffer.from(this.random.pick(RESULT_TEXT)), payload.subarray(at)]),
      () => Buffer.from(payload.toString('latin1').replace(/=(-?\d+)/, () => `=${this.random.pick(RESULT_NUMBERS)}`), 'latin1'),
      () => Buffer.concat([payload.subarray(0, at), this.random.bytes(1 + this.random.int(8)), payload.subarray(at + this.random.int(8))]),
      () => payload.subarray(0, at),
    ];
    target.payload = this.random.pick(edits)();
    return Buffer.concat(decoded.map((frame) => encodeFrame(frame.type, frame.payload)));
  }

  /** The offset of a random frame header of the (unmutated) framing. */
  private headerOffset(stream: Buffer): number {
    const offsets: number[] = [];
    for (let offset = 0; offset + FRAME_HEADER_BYTES <= stream.length; offset += FRAME_HEADER_BYTES + stream.readUInt32BE(offset + 1)) offsets.push(offset);
    return offsets.length ? this.random.pick(offsets) : 0;
  }

  private writeLength(stream: Buffer, at: number): Buffer {
    if (at + 4 > stream.length) return stream;
    const length = this.random.int(3) ? this.random.pick(INTERESTING_LENGTHS) : this.random.int(0x100000000);
    stream.writeUInt32BE(length >>> 0, at);
    return stream;
  }

  private writeNameLength(stream: Buffer, at: number): Buffer {
    if (at + 2 <= stream.length) stream.writeUInt16BE(this.random.pick([0, 1, 5, 255, 256, 4095, 4096, 0xffff]), at);
    return stream;
  }
}

interface Decoded {
  frames: Frame[];
  error: string | null;
}

/** Decodes chunk by chunk, checking after each that no more than one frame's allowed size is held. */
function decodeChunks(chunks: Buffer[]): Decoded {
  const stream = Buffer.concat(chunks);
  const decoder = new FrameDecoder(limitOf);
  const frames: Frame[] = [];
  let pushed = 0;
  for (const chunk of chunks) {
    try {
      frames.push(...decoder.push(chunk));
    } catch (error) {
      if (!(error instanceof AgentProtocolError)) throw error;
      return { frames: [...frames, ...error.framesBefore], error: error.message };
    }
    pushed += chunk.length;
    const pending = decoder.pendingBytes;
    const type = String.fromCharCode(stream[pushed - pending]);
    if (pending >= FRAME_HEADER_BYTES && pending >= FRAME_HEADER_BYTES + limitOf(type)!) {
      throw new Error(`holds ${pending} bytes for a ${type} frame, more than one frame may have`);
    }
  }
  return { frames, error: null };
}

/** The decoding as one string: cheap to compare, readable when it differs. */
function summary(decoded: Decoded): string {
  return [...decoded.frames.map((frame) => `${frame.type}:${frame.payload.toString('hex')}`), `error:${decoded.error}`].join('\n');
}

/** Payload decoders either refuse with AgentProtocolError or give sane values. */
function checkPayload(frame: Frame): void {
  if (frame.payload.length > limitOf(frame.type)!) throw new Error(`a ${frame.type} frame of ${frame.payload.length} bytes got through`);
  const refused = (decode: () => void) => {
    try {
      decode();
    } catch (error) {
      if (!(error instanceof AgentProtocolError)) throw error;
    }
  };
  if (frame.type === FRAME_COLLECTED_FILE) {
    refused(() => {
      const file = decodeCollectedFile(frame.payload);
      if (2 + file.name.length + 4 + file.content.length !== frame.payload.length) throw new Error('a file frame decoded to other bytes than it had');
    });
    refused(() => decodeFileFrame(frame.payload));
  }
  if (frame.type === FRAME_SKIPPED) {
    refused(() => {
      const entry = decodeSkippedEntry(frame.payload);
      if (entry.reason.length + 1 + entry.path.length !== frame.payload.length || entry.path.length === 0) throw new Error('a skipped entry decoded to other bytes than it had');
    });
  }
  if (frame.type === FRAME_RESULT) refused(() => expectSaneResult(parseResult(frame.payload)));
}

function expectSaneResult(result: AgentResult): void {
  const counts = [result.wallMs, result.cpuMs, result.maxRssBytes, result.stdoutBytes, result.stderrBytes, result.skippedCount, result.signal ?? 0, result.exitCode ?? 0];
  const insane = counts.find((count) => !Number.isSafeInteger(count) || count < 0);
  if (insane !== undefined) throw new Error(`a result with the count ${insane}: ${JSON.stringify(result)}`);
}

describe('agent frame decoding under fuzz', () => {
  it('decodes the whole corpus cleanly (the mutations start from real streams)', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(5);
    for (const stream of corpus) {
      const decoded = decodeChunks([stream]);
      expect(decoded.error).toBeNull();
      expect(decoded.frames.length).toBeGreaterThan(1);
      decoded.frames.forEach(checkPayload);
    }
  });

  it('refuses a length over its type’s limit as soon as the header is in, holding nothing more', () => {
    for (const [type, length] of [['O', 0x10001], ['F', 0xffffffff], ['N', MAX_SKIPPED_FRAME_BYTES + 1], ['R', 0x7fffffff], ['H', 257]] as const) {
      const header = Buffer.alloc(FRAME_HEADER_BYTES);
      header.write(type, 0, 'latin1');
      header.writeUInt32BE(length, 1);
      expect(() => new FrameDecoder(limitOf).push(header)).toThrow(AgentProtocolError);
    }
    expect(() => new FrameDecoder(limitOf).push(Buffer.from('Z\0\0\0\0'))).toThrow(/unknown type/);
    // Outside a collecting exec no file and no skipped entry may come at all.
    expect(() => new FrameDecoder((type) => agentReplyLimit(type, null)).push(Buffer.from('F\0\0\0\x06'))).toThrow(AgentProtocolError);
    expect(() => new FrameDecoder((type) => agentReplyLimit(type, null)).push(Buffer.from('N\0\0\0\x03'))).toThrow(AgentProtocolError);
  });

  // Bounded by the counts above (a few seconds in all); the timeouts only catch a hang on a loaded machine.
  it.each(SEEDS)('seed %d: mutated and random streams, split anywhere', (seed) => {
    const fuzz = new StreamFuzzer(new Random(seed));
    for (let i = 0; i < STREAMS_PER_SEED; i++) {
      const stream = fuzz.stream();
      const whole = decodeChunks([stream]);
      const split = decodeChunks(fuzz.cuts(stream));
      if (summary(split) !== summary(whole)) expect(summary(split)).toBe(summary(whole));
      whole.frames.forEach(checkPayload);
    }
  }, 60_000);

  it.each(SEEDS)('seed %d: a session fed a broken stream settles its exec when the stream ends', async (seed) => {
    const random = new Random(seed);
    const fuzz = new StreamFuzzer(random);
    for (let i = 0; i < SESSIONS_PER_SEED; i++) {
      const { stream, session } = scriptedSandbox();
      let outcome: 'pending' | 'report' | 'refused' | 'gone' = 'pending';
      const exec = session.exec({ argv: ['x'], collect: true, collectMaxBytes: COLLECT_MAX_BYTES, skippedMax: SKIPPED_MAX, outputBytes: 1024 }, Buffer.alloc(0)).then(
        (report) => {
          expectSaneResult(report.result);
          expect(report.stdout.length + report.stderr.length).toBeLessThanOrEqual(1024);
          expect(report.skipped.length).toBeLessThanOrEqual(SKIPPED_MAX);
          outcome = 'report';
        },
        (error: unknown) => {
          if (error instanceof AgentRefusedError) outcome = 'refused';
          else if (error instanceof AgentGoneError) outcome = 'gone';
          else throw error;
        },
      );
      for (const chunk of fuzz.cuts(fuzz.stream())) stream.push(chunk);
      stream.push(null);
      await until(() => outcome !== 'pending');
      await exec;
    }
  }, 60_000);
});

describe('the session’s bounds on skipped entries', () => {
  const result = Buffer.from('exit_code=0\nsignal=0\ntimed_out=0\ncpu_limited=0\noutput_limited=0\noom_killed=0\nwall_ms=1\ncpu_ms=1\nmax_rss_kb=1\nstdout_bytes=0\nstderr_bytes=0\nskipped=9\nnonce=n1\n');
  const skippedFrame = (path: string) => encodeFrame(FRAME_SKIPPED, Buffer.from(`symlink\0${path}`));

  it('keeps the entries an exec asked for, with the count of all', async () => {
    const { stream, session } = scriptedSandbox();
    const exec = session.exec({ argv: ['x'], collect: true, skippedMax: 2, nonce: 'n1' }, Buffer.alloc(0));
    stream.push(Buffer.concat([skippedFrame('a'), skippedFrame('b'), encodeFrame(FRAME_RESULT, result)]));
    const report = await exec;
    expect(report.skipped.map((entry) => `${entry.reason} ${entry.path.toString()}`)).toEqual(['symlink a', 'symlink b']);
    expect(report.result.skippedCount).toBe(9);
  });

  it('ends the session at one more than it asked for: the worker holds no more than that', async () => {
    const { stream, session } = scriptedSandbox();
    const exec = session.exec({ argv: ['x'], collect: true, skippedMax: 2, nonce: 'n1' }, Buffer.alloc(0));
    stream.push(Buffer.concat([skippedFrame('a'), skippedFrame('b'), skippedFrame('c'), encodeFrame(FRAME_RESULT, result)]));
    // During an exec a broken stream is the program's (it may have written into the channel): its run ends, the session too.
    await expect(exec).resolves.toMatchObject({ result: { tampered: expect.stringMatching(/more than the 2 skipped entries/) } });
    expect(session.isGone).toBe(true);
    // An exec that asked for none may get none.
    const other = scriptedSandbox();
    const none = other.session.exec({ argv: ['x'], collect: true }, Buffer.alloc(0));
    other.stream.push(skippedFrame('a'));
    await expect(none).resolves.toMatchObject({ result: { tampered: expect.any(String) } });
    expect(other.session.isGone).toBe(true);
  });
});

describe('what the fuzz found', () => {
  const result = Buffer.from('exit_code=0\nsignal=0\ntimed_out=0\ncpu_limited=0\noutput_limited=0\noom_killed=0\nwall_ms=1\ncpu_ms=1\nmax_rss_kb=1\nstdout_bytes=0\nstderr_bytes=0\nnonce=n1\n');

  it('a result followed by a broken frame in the same chunk still ends its exec with the report', async () => {
    const { stream, session } = scriptedSandbox();
    const exec = session.exec({ argv: ['x'], nonce: 'n1' }, Buffer.alloc(0));
    stream.push(Buffer.concat([encodeFrame(FRAME_RESULT, result), Buffer.from('Z\0\0\0\0')]));
    await expect(exec).resolves.toMatchObject({ result: { exitCode: 0 } });
    await until(() => session.isGone);
  });
});

/** An agent's side of the stream that the test writes; what the session writes is dropped. */
function scriptedSandbox(): { stream: Duplex; session: AgentSession } {
  const stream = new Duplex({ read: () => undefined, write: (_chunk, _encoding, done) => done() });
  const session = new AgentSession(stream, (source, stdout) => source.on('data', (chunk: Buffer) => stdout.write(chunk)));
  return { stream, session };
}

/** Lets the streams' queued events run, failing loudly if the condition never holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 100 && !condition(); turn++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('the exec did not settle after its stream ended');
}
