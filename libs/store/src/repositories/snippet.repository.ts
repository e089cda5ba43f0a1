import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '@kiln/redis';
import { RedisKeys } from '../redis-keys';

/** What the store needs of a snippet; the rest of its JSON is the coordinator's (its snippets room). */
export interface StorableSnippet {
  id: string;
  /** ISO time at which it expires. */
  expiresAt: string;
}

/** What a snippet costs beside its JSON: its key, its quota entry, their expiry. */
export const SNIPPET_OVERHEAD_BYTES = 256;

/**
 * Stores a snippet (NX) if its owner's snippets still fit the quota, in one
 * step. KEYS: snippet, owner's entries, owner's total. ARGV: JSON, ttl s, now
 * ms, expiry ms, bytes charged, quota, id. Answers {1} stored, {0} id taken,
 * or {-1, used, ms when enough of the owner's snippets will have expired}.
 */
const CREATE_WITHIN_QUOTA = `
local function bytesOf(entry) return tonumber(string.match(entry, '^(%d+):')) end
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if #expired > 0 then
  local freed = 0
  for _, entry in ipairs(expired) do freed = freed + bytesOf(entry) end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
  redis.call('DECRBY', KEYS[3], freed)
end
local used = tonumber(redis.call('GET', KEYS[3]) or '0')
local charged = tonumber(ARGV[5])
local excess = used + charged - tonumber(ARGV[6])
if excess > 0 then
  local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
  local freed = 0
  for i = 1, #entries, 2 do
    freed = freed + bytesOf(entries[i])
    if freed >= excess then return {-1, used, entries[i + 1]} end
  end
  return {-1, used, '0'}
end
if not redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX') then return {0, used} end
redis.call('ZADD', KEYS[2], ARGV[4], charged .. ':' .. ARGV[7])
redis.call('INCRBY', KEYS[3], charged)
redis.call('PEXPIREAT', KEYS[2], ARGV[4])
redis.call('PEXPIREAT', KEYS[3], ARGV[4])
return {1, used + charged}`;

export type SnippetCreation =
  | { outcome: 'stored' }
  | { outcome: 'id-taken' }
  /** `freesAt`: when enough of the owner's snippets will have expired (epoch ms), if ever. */
  | { outcome: 'over-quota'; used: number; freesAt: number | null };

/** Snippets in Redis, one JSON string each, expiring by the configured retention, within their owner's quota. */
@Injectable()
export class SnippetRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Stores a new snippet for `owner`; a snippet is never overwritten (NX) and never stored past the owner's quota. */
  async create(snippet: StorableSnippet, retentionSeconds: number, owner: string, quotaBytes: number): Promise<SnippetCreation> {
    const json = JSON.stringify(snippet);
    const charged = Buffer.byteLength(json) + SNIPPET_OVERHEAD_BYTES;
    const keys = [this.keys.snippet(snippet.id), this.keys.snippetQuota(owner), this.keys.snippetQuotaBytes(owner)];
    const [code, used, freesAt] = (await this.redis.eval(
      CREATE_WITHIN_QUOTA,
      keys.length,
      ...keys,
      json,
      String(retentionSeconds),
      String(Date.now()),
      String(Date.parse(snippet.expiresAt)),
      String(charged),
      String(quotaBytes),
      snippet.id,
    )) as [number, number, string?];
    if (code === 1) return { outcome: 'stored' };
    if (code === 0) return { outcome: 'id-taken' };
    return { outcome: 'over-quota', used, freesAt: Number(freesAt) || null };
  }

  async get<T extends StorableSnippet>(id: string): Promise<T | null> {
    const raw = await this.redis.get(this.keys.snippet(id));
    return raw ? (JSON.parse(raw) as T) : null;
  }
}
