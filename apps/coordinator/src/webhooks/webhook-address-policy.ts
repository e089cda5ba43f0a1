import { Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { KilnConfig } from '@kiln/config';

/** Addresses a webhook may not reach unless allowed: loopback, private, link-local (cloud metadata), and the like. */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) INTERNAL.addSubnet(network, prefix, 'ipv4');
// IPv4-mapped addresses (::ffff:a.b.c.d) are judged as the IPv4 address they carry: a BlockList rule for
// ::ffff:0:0/96 would match every IPv4 address, public ones included.
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}
const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export class WebhookAddressError extends Error {}

/**
 * SSRF guard for webhooks: a target must resolve only to public addresses
 * (unless coordinator.webhooks.allowPrivate). Checked at submission, and again
 * at delivery on the very address the connection uses (no DNS rebinding).
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
    const mapped = IPV4_MAPPED.exec(address)?.[1];
    const family = mapped || isIP(address) !== 6 ? 'ipv4' : 'ipv6';
    if (INTERNAL.check(mapped ?? address, family)) {
      throw new WebhookAddressError(
        `${host} resolves to ${address}, a private or loopback address; webhooks may only reach public addresses (see coordinator.webhooks.allowPrivate)`,
      );
    }
  }
}
