import { Injectable } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';

/** The slot group of the jobs made without an API key (auth off): they count as one key. */
export const KEYLESS = '(no key)';

/**
 * Delivery slots held per API key in this coordinator process: a key's jobs
 * hold at most coordinator.webhooks.perKeyConcurrency of the
 * coordinator.webhooks.concurrency deliveries under way, so one key's slow
 * receivers cannot hold every slot while another key's webhooks wait.
 */
@Injectable()
export class WebhookKeySlots {
  private readonly held = new Map<string, number>();

  constructor(private readonly config: KilnConfig) {}

  /** Takes a slot of the key if it has one free. */
  tryTake(key: string): boolean {
    const held = this.held.get(key) ?? 0;
    if (held >= this.config.coordinator.webhooks.perKeyConcurrency) return false;
    this.held.set(key, held + 1);
    return true;
  }

  give(key: string): void {
    const held = (this.held.get(key) ?? 0) - 1;
    if (held > 0) this.held.set(key, held);
    else this.held.delete(key);
  }

  heldBy(key: string): number {
    return this.held.get(key) ?? 0;
  }
}
