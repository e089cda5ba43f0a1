// network-rule: the addresses in this file are data, never connection targets
import { KilnConfig } from '@kiln/config';
import { ipBytes } from './ip-prefix';
import { WebhookAddressError, WebhookAddressPolicy } from './webhook-address-policy';

const policy = (allowPrivate = false) =>
  new WebhookAddressPolicy({ coordinator: { webhooks: { allowPrivate } } } as unknown as KilnConfig);

const refusal = (address: string, host = 'hooks.kiln.test'): string => {
  try {
    policy().checkAddress(address, host);
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookAddressError);
    return (error as Error).message;
  }
  throw new Error(`${address} was accepted`);
};

describe('ipBytes', () => {
  it('reads IPv4 as its mapped form and IPv6 in any spelling', () => {
    expect([...ipBytes('10.1.2.3')!]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 1, 2, 3]);
    expect(ipBytes('::ffff:10.1.2.3')).toEqual(ipBytes('10.1.2.3'));
    expect(ipBytes('::FFFF:a01:203')).toEqual(ipBytes('10.1.2.3'));
    expect(ipBytes('0:0:0:0:0:0:0:1')).toEqual(ipBytes('::1'));
    expect([...ipBytes('2001:db8::8:800:200c:417a')!.slice(8)]).toEqual([0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a]);
    expect(ipBytes('fe80::1%eth0')).toEqual(ipBytes('fe80::1'));
    expect(ipBytes('hooks.kiln.test')).toBeNull();
    expect(ipBytes('127.1')).toBeNull();
  });
});

describe('WebhookAddressPolicy.checkAddress (no lookup, no connection)', () => {
  // One address of every range of the IANA special-purpose registries that is not globally reachable, and the like.
  it.each([
    ['0.0.0.0', '"this network"'],
    ['0.1.2.3', '"this network"'],
    ['10.1.2.3', 'private-use'],
    ['100.64.0.1', 'shared, carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private-use'],
    ['172.31.255.255', 'private-use'],
    ['192.0.0.8', 'IETF protocol assignment'],
    ['192.0.0.170', 'IETF protocol assignment'],
    ['192.0.2.1', 'documentation'],
    ['192.88.99.1', '6to4 relay anycast'],
    ['192.168.1.1', 'private-use'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'limited broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback (RFC 4291)'],
    ['::10.0.0.1', 'IPv4-compatible'],
    ['::8.8.4.4', 'IPv4-compatible'],
    ['::ffff:10.0.0.1', 'private-use'],
    ['::ffff:7f00:1', 'loopback (RFC 1122)'],
    ['::ffff:0:a00:1', 'IPv4-translated'],
    ['64:ff9b::10.0.0.1', 'private-use (RFC 1918) in its NAT64 form'],
    ['64:ff9b::a9fe:a9fe', 'link-local (RFC 3927) in its NAT64 form'],
    ['64:ff9b::7f00:1', 'loopback (RFC 1122) in its NAT64 form'],
    ['64:ff9b:1::5db8:d70e', 'local-use NAT64'],
    ['100::1', 'discard-only'],
    ['100:0:0:1::1', 'dummy IPv6 prefix'],
    ['2001::5db8:d70e', 'Teredo'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['2001:2::1', 'benchmarking'],
    ['2001:10::1', 'IETF protocol assignment'],
    ['2001:1::1', 'IETF protocol assignment'],
    ['2001:db8::1', 'documentation'],
    ['2002:a00:1::1', '6to4'],
    ['2002:5db8:d70e::1', '6to4'],
    ['3fff::1', 'documentation (RFC 9637)'],
    ['5f00::1', 'SRv6'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fe80::1', 'link-local (RFC 4291)'],
    ['fe80::1%eth0', 'link-local (RFC 4291)'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast (RFC 4291)'],
    ['4000::1', 'reserved IPv6, outside global unicast'],
    ['e000::1', 'reserved IPv6, outside global unicast'],
  ])('refuses %s as %s', (address, what) => {
    expect(refusal(address)).toContain(`resolves to an address webhooks may not reach: ${what}`);
  });

  it.each([
    '93.184.215.14',
    '192.31.196.1', // AS112-v4: globally reachable
    '192.0.3.1',
    '172.32.0.1',
    '100.128.0.1',
    '::ffff:93.184.215.14',
    '2606:2800:21f:cb07:6820:80da:af6b:8b2c',
    '64:ff9b::5db8:d70e', // NAT64 of a public address: what DNS64 gives an IPv6-only coordinator
    '2620:4f:8000::1', // AS112 direct delegation: globally reachable
    '2001:200::1', // just past 2001::/23
  ])('accepts the globally reachable address %s', (address) => {
    expect(() => policy().checkAddress(address, 'hooks.kiln.test')).not.toThrow();
  });

  it('names the host and the class, never the address a name resolved to', () => {
    const message = refusal('10.20.30.40', 'internal.kiln.test');
    expect(message).toBe(
      'internal.kiln.test resolves to an address webhooks may not reach: private-use (RFC 1918). Webhooks may only reach globally reachable addresses (see coordinator.webhooks.allowPrivate)',
    );
    expect(refusal('fd00::abcd', 'internal.kiln.test')).not.toMatch(/fd00|abcd/);
    expect(refusal('64:ff9b::a14:1e28', 'internal.kiln.test')).not.toMatch(/10\.20|a14/);
  });

  it('says "is" for an address written in the URL itself', () => {
    expect(refusal('127.0.0.1', '127.0.0.1')).toMatch(/^127\.0\.0\.1 is an address webhooks may not reach: loopback/);
  });

  it('refuses what is not an address at all', () => {
    expect(refusal('not-an-address')).toContain('not an IP address Kiln can read');
  });

  it('accepts anything with allowPrivate', () => {
    expect(() => policy(true).checkAddress('10.1.2.3', 'hooks.kiln.test')).not.toThrow();
    expect(() => policy(true).checkAddress('64:ff9b::7f00:1', 'hooks.kiln.test')).not.toThrow();
  });
});
