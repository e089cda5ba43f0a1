import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { KilnConfig } from '@kiln/config';
import { REDIS } from '@kiln/redis';
import { Limits, RedisKeys } from '@kiln/tasks';
import { Judge0Submission } from './judge0-submission.request';

/**
 * What a submission asked for, kept beside its job (the token is the job's
 * id) so that GET /submissions/:token can answer the request attributes in
 * Judge0's words (language_id, expected_output, the limits as given…). The
 * job record holds the results; this holds nothing it does.
 */
export type StoredSubmission = Omit<Judge0Submission, 'language' | 'sourceCode' | 'stdin' | 'expectedOutput'> & {
  kilnLanguage: string;
  sourceCodeBase64: string;
  stdinBase64: string | null;
  expectedOutputBase64: string | null;
  /** The job's limits as Kiln resolved them (the defaults of what was not given). */
  limits: Limits;
};

/** Kept as long as a job record can live (retention plus the longest a job may wait). */
const GRACE_SECONDS = 24 * 3600;

@Injectable()
export class Judge0SubmissionStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: KilnConfig,
  ) {}

  async save(token: string, submission: Judge0Submission, limits: Limits): Promise<StoredSubmission> {
    const stored = toStored(submission, limits);
    const ttl = this.config.jobs.retentionSeconds + GRACE_SECONDS;
    await this.redis.set(this.key(token), JSON.stringify(stored), 'EX', ttl);
    return stored;
  }

  /** Several at once (a batch); null where a token is not a Judge0 submission. */
  async load(tokens: string[]): Promise<(StoredSubmission | null)[]> {
    if (!tokens.length) return [];
    const values = await this.redis.mget(tokens.map((token) => this.key(token)));
    return values.map((value) => (value ? (JSON.parse(value) as StoredSubmission) : null));
  }

  private key(token: string): string {
    return `${this.keys.prefix}:judge0:submission:${token}`;
  }
}

function toStored(submission: Judge0Submission, limits: Limits): StoredSubmission {
  const { language, sourceCode, stdin, expectedOutput, ...rest } = submission;
  return {
    ...rest,
    limits,
    kilnLanguage: language.definition.id,
    sourceCodeBase64: sourceCode.toString('base64'),
    stdinBase64: stdin?.toString('base64') ?? null,
    expectedOutputBase64: expectedOutput?.toString('base64') ?? null,
  };
}
