import { embeddedIpv4, inPrefix, IpBytes, ipPrefix } from './ip-prefix';

/**
 * The ranges of the IANA IPv4 and IPv6 Special-Purpose Address Registries
 * that are not globally reachable, plus multicast, broadcast and reserved
 * space: what a webhook may never reach. The IETF protocol assignment blocks
 * (192.0.0.0/24, 2001::/23) are refused whole; their few globally reachable
 * entries are anycast service addresses (PCP, TURN, AMT, AS112...), never
 * webhook receivers. 6to4 and Teredo are refused whole too: both tunnel to an
 * IPv4 address of their own (a relay, a client behind NAT) that the IPv6
 * address does not let Kiln judge. More specific ranges come first, so the
 * class named is the precise one.
 */
const REFUSED: [cidr: string, what: string][] = [
  ['0.0.0.0/8', '"this network" (RFC 791)'],
  ['10.0.0.0/8', 'private-use (RFC 1918)'],
  ['100.64.0.0/10', 'shared, carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0/8', 'loopback (RFC 1122)'],
  ['169.254.0.0/16', 'link-local (RFC 3927)'],
  ['172.16.0.0/12', 'private-use (RFC 1918)'],
  ['192.0.0.0/24', 'IETF protocol assignment (RFC 6890)'],
  ['192.0.2.0/24', 'documentation (RFC 5737)'],
  ['192.88.99.0/24', '6to4 relay anycast (RFC 7526)'],
  ['192.168.0.0/16', 'private-use (RFC 1918)'],
  ['198.18.0.0/15', 'benchmarking (RFC 2544)'],
  ['198.51.100.0/24', 'documentation (RFC 5737)'],
  ['203.0.113.0/24', 'documentation (RFC 5737)'],
  ['224.0.0.0/4', 'multicast (RFC 5771)'],
  ['255.255.255.255/32', 'limited broadcast (RFC 919)'],
  ['240.0.0.0/4', 'reserved (RFC 1112)'],
  ['::/128', 'unspecified (RFC 4291)'],
  ['::1/128', 'loopback (RFC 4291)'],
  ['::/96', 'IPv4-compatible, deprecated (RFC 4291)'],
  ['::ffff:0:0:0/96', 'IPv4-translated (RFC 6145)'],
  ['64:ff9b:1::/48', 'local-use NAT64 (RFC 8215)'],
  ['100::/64', 'discard-only (RFC 6666)'],
  ['100:0:0:1::/64', 'dummy IPv6 prefix (IANA special-purpose registry)'],
  ['2001::/32', 'Teredo (RFC 4380)'],
  ['2001:2::/48', 'benchmarking (RFC 5180)'],
  ['2001:db8::/32', 'documentation (RFC 3849)'],
  ['2001::/23', 'IETF protocol assignment (RFC 2928)'],
  ['2002::/16', '6to4 (RFC 3056)'],
  ['3fff::/20', 'documentation (RFC 9637)'],
  ['5f00::/16', 'SRv6 segment identifier (RFC 9602)'],
  ['fc00::/7', 'unique-local (RFC 4193)'],
  ['fe80::/10', 'link-local (RFC 4291)'],
  ['fec0::/10', 'site-local, deprecated (RFC 3879)'],
  ['ff00::/8', 'multicast (RFC 4291)'],
];

const RANGES = REFUSED.map(([cidr, what]) => ({ prefix: ipPrefix(cidr), what }));
const IPV4_MAPPED = ipPrefix('::ffff:0:0/96');
/** The well-known NAT64 prefix: its gateway forwards to the IPv4 address in the last 32 bits, which is judged instead. */
const NAT64 = ipPrefix('64:ff9b::/96');
/** Global unicast IPv6: everything else is reserved or special. */
const GLOBAL_UNICAST = ipPrefix('2000::/3');

/**
 * Why a webhook may not reach this address (the class of its range), or null
 * for a globally reachable one. IPv4 addresses come in mapped form (ipBytes).
 */
export function specialPurposeOf(bytes: IpBytes): string | null {
  if (inPrefix(bytes, NAT64)) {
    const embedded = specialPurposeOf(embeddedIpv4(bytes));
    return embedded && `${embedded} in its NAT64 form (64:ff9b::/96)`;
  }
  const range = RANGES.find(({ prefix }) => inPrefix(bytes, prefix));
  if (range) return range.what;
  if (inPrefix(bytes, IPV4_MAPPED) || inPrefix(bytes, GLOBAL_UNICAST)) return null;
  return 'reserved IPv6, outside global unicast 2000::/3 (RFC 4291)';
}
