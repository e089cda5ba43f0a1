import { Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { KilnConfig } from '@kiln/config';
import { ipBytes } from './ip-prefix';
import { specialPurposeOf } from './special-purpose-addresses';

export class WebhookAddressError extends Error {}

/**
 * SSRF guard for webhooks: a target must resolve only to globally reachable
 * addresses (unless coordinator.webhooks.allowPrivate), judged by the IANA
 * special-purpose registries (special-purpose-addresses.ts). Checked at
 * submission, and again at delivery on the very address the connection uses
 * (no DNS rebinding). A refusal names the host and the class of the address,
 * never the address a name resolved to: that would let anyone map the
 * coordinator's internal names.
 */
@Injectable()
export class WebhookAddressPolicy {
  constructor(private readonly config: KilnConfig) {}

  async check(url: string): Promise<void> {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
    for (const address of addresses) this.checkAddress(address, host);
  }

  checkAddress(address: string, host: string): void {
    if (this.config.coordinator.webhooks.allowPrivate) return;
    const bytes = ipBytes(address);
    const refused = bytes ? specialPurposeOf(bytes) : 'not an IP address Kiln can read';
    if (!refused) return;
    const subject = isIP(host) ? `${host} is` : `${host} resolves to`;
    throw new WebhookAddressError(
      `${subject} an address webhooks may not reach: ${refused}. Webhooks may only reach globally reachable addresses (see coordinator.webhooks.allowPrivate)`,
    );
  }
}
