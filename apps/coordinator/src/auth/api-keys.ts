import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { authEnabled, KilnConfig } from '@kiln/config';

/**
 * The configured API keys, held only as SHA-256 digests: a request's key is
 * hashed and looked up, so keys are neither compared byte by byte nor kept
 * where a log line or an error could print them.
 */
@Injectable()
export class ApiKeys {
  readonly enabled: boolean;
  private readonly digests: Set<string>;

  constructor(config: KilnConfig) {
    this.enabled = authEnabled(config);
    this.digests = new Set(config.coordinator.auth.keys.map(digest));
  }

  /** The key's id if it is a configured key, else null. */
  identify(key: string): string | null {
    const hashed = digest(key);
    return this.digests.has(hashed) ? hashed.slice(0, 24) : null;
  }
}

function digest(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
