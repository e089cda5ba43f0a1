import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { RedisKeys } from '../redis-keys';

/** Kept as long as a job record can live (retention plus the longest a job may wait). */
const GRACE_SECONDS = 24 * 3600;

/**
 * What a Judge0 submission asked for, as the compat room shapes it (JSON),
 * beside its job: the token is the job's id. It holds nothing the job
 * record does, and lives as long as the record may.
 */
@Injectable()
export class Judge0SubmissionRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: KilnConfig,
  ) {}

  async save<T>(token: string, submission: T): Promise<void> {
    const ttl = this.config.jobs.retentionSeconds + GRACE_SECONDS;
    await this.redis.set(this.keys.judge0Submission(token), JSON.stringify(submission), 'EX', ttl);
  }

  /** Several at once (a batch); null where a token is not a Judge0 submission. */
  async load<T>(tokens: string[]): Promise<(T | null)[]> {
    if (!tokens.length) return [];
    const values = await this.redis.mget(tokens.map((token) => this.keys.judge0Submission(token)));
    return values.map((value) => (value ? (JSON.parse(value) as T) : null));
  }
}
