import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '@kiln/redis';
import { RedisKeys } from '@kiln/tasks';
import { Snippet } from './snippet';

/** Snippets in Redis, one JSON string each, expiring by the configured retention. */
@Injectable()
export class SnippetStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Stores a new snippet; false if its id is taken (NX: a snippet is never overwritten). */
  async create(snippet: Snippet, retentionSeconds: number): Promise<boolean> {
    const stored = await this.redis.set(this.keys.snippet(snippet.id), JSON.stringify(snippet), 'EX', retentionSeconds, 'NX');
    return stored === 'OK';
  }

  async get(id: string): Promise<Snippet | null> {
    const raw = await this.redis.get(this.keys.snippet(id));
    return raw ? (JSON.parse(raw) as Snippet) : null;
  }
}
