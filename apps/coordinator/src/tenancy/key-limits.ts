import { Injectable } from '@nestjs/common';
import { KilnConfig, PerKeyOverride } from '@kiln/config';
import { ApiKeys } from '../auth/api-keys';
import { Principal } from '../auth/principal';

/** What one API key may claim at admission (coordinator.perKey, with its overrides). */
export interface KeyLimit {
  maxTasks: number;
  maxPriority: number;
}

/**
 * The per-key limits of a caller. Without a key (API keys off) there is one
 * tenant, the whole server, and no per-key limit applies: its bounds are the
 * server's own (coordinator.maxQueuedTasks, the rate limit).
 */
@Injectable()
export class KeyLimits {
  private readonly overrides = new Map<string, PerKeyOverride>();

  constructor(
    private readonly config: KilnConfig,
    keys: ApiKeys,
  ) {
    for (const override of config.coordinator.perKey.overrides) {
      const keyId = keys.identify(override.key);
      if (keyId) this.overrides.set(keyId, override);
    }
  }

  of(principal: Principal): KeyLimit | null {
    if (!principal.keyId) return null;
    const defaults = this.config.coordinator.perKey;
    const override = this.overrides.get(principal.keyId);
    return { maxTasks: override?.maxTasks ?? defaults.maxTasks, maxPriority: override?.maxPriority ?? defaults.maxPriority };
  }
}
