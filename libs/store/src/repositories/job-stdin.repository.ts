import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { RedisKeys } from '../redis-keys';

/** One entry of an interactive job's live input, in the order the client sent them. */
export type LiveInputEntry = { type: 'data'; data: Buffer } | { type: 'end' } | { type: 'signal'; signal: number };

/** Entries a reader takes at most per call. */
const READ_COUNT = 64;

/**
 * An interactive job's live input: a Redis stream per job (`:job:<id>:stdin`)
 * that the coordinator holding the client's WebSocket appends to, and the
 * worker running the job's program reads with a blocking XREAD on a
 * connection of its own (a blocked read must not hold up the shared client).
 * Entries sent before the program starts wait in the stream. It is bounded
 * (the coordinator counts what it appends against
 * coordinator.interactive.maxStdinBytes; the stream expires jobs.deadlineMs
 * after its last entry) and deleted with the job's scratch data.
 */
@Injectable()
export class JobStdinRepository implements OnModuleDestroy {
  private readonly readers = new Set<LiveInputReader>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: KilnConfig,
  ) {}

  async append(jobId: string, entry: LiveInputEntry): Promise<void> {
    const key = this.keys.jobStdin(jobId);
    const fields = entry.type === 'data' ? ['t', 'data', 'd', entry.data.toString('base64')] : entry.type === 'signal' ? ['t', 'signal', 's', String(entry.signal)] : ['t', 'end'];
    await this.redis.multi().xadd(key, '*', ...fields).pexpire(key, this.config.jobs.deadlineMs).exec();
  }

  /** A reader of the job's live input from its first entry; close() it when done. */
  reader(jobId: string): LiveInputReader {
    const reader = new LiveInputReader(this.redis.duplicate(), this.keys.jobStdin(jobId), () => this.readers.delete(reader));
    this.readers.add(reader);
    return reader;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.readers].map((reader) => reader.close()));
  }
}

/** Reads one job's live input in order, blocking on its own connection. */
export class LiveInputReader {
  private lastId = '0-0';
  private closed = false;

  constructor(
    private readonly connection: Redis,
    private readonly key: string,
    private readonly onClose: () => void,
  ) {
    connection.on('error', () => undefined); // a broken connection ends the reads (next() resolves empty), never the process
  }

  /** The entries after the last one read, waiting up to `blockMs` for one; [] on timeout or once closed. */
  async next(blockMs: number): Promise<LiveInputEntry[]> {
    if (this.closed) return [];
    const reply = await this.connection.xreadBuffer('COUNT', READ_COUNT, 'BLOCK', blockMs, 'STREAMS', this.key, this.lastId).catch(() => null);
    if (!reply || this.closed) return [];
    const entries: LiveInputEntry[] = [];
    for (const [id, fields] of reply[0][1]) {
      this.lastId = id.toString();
      const entry = entryOf(fields);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    this.connection.disconnect();
  }
}

function entryOf(fields: Buffer[]): LiveInputEntry | null {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i].toString(), fields[i + 1].toString());
  switch (map.get('t')) {
    case 'data':
      return { type: 'data', data: Buffer.from(map.get('d') ?? '', 'base64') };
    case 'signal':
      return { type: 'signal', signal: Number(map.get('s')) };
    case 'end':
      return { type: 'end' };
    default:
      return null;
  }
}
