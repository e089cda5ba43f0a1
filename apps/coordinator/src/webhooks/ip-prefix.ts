import { isIPv4, isIPv6 } from 'node:net';

/** An address as 16 bytes: IPv6 as is, IPv4 in its IPv4-mapped form (::ffff:a.b.c.d), so one table of prefixes judges both. */
export type IpBytes = Uint8Array;

export interface IpPrefix {
  bytes: IpBytes;
  /** Leading bits that must match (IPv4 prefixes count the 96 bits of ::ffff:0:0/96). */
  bits: number;
}

const IPV4_MAPPED_HEAD = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** The 16 bytes of an IPv4 or IPv6 address (a zone id such as %eth0 is dropped); null for anything else. */
export function ipBytes(address: string): IpBytes | null {
  const bare = address.replace(/%.*$/, '');
  if (isIPv4(bare)) return Uint8Array.from([...IPV4_MAPPED_HEAD, ...bare.split('.').map(Number)]);
  if (!isIPv6(bare)) return null;
  // The URL parser writes every IPv6 address one way: lower case, longest zero run as "::", embedded IPv4 in hex.
  const canonical = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const [head, tail] = canonical.split('::').map((half) => (half ? half.split(':') : []));
  const words = tail ? [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  return Uint8Array.from(words.flatMap((word) => [parseInt(word, 16) >> 8, parseInt(word, 16) & 0xff]));
}

/** `a.b.c.d/n` or `x:y::/n`. Throws on a malformed prefix: the tables using it are constants. */
export function ipPrefix(cidr: string): IpPrefix {
  const [address, length] = cidr.split('/');
  const bytes = ipBytes(address);
  if (!bytes || !/^\d+$/.test(length)) throw new Error(`not an IP prefix: ${cidr}`);
  return { bytes, bits: Number(length) + (isIPv4(address) ? 96 : 0) };
}

export function inPrefix(bytes: IpBytes, prefix: IpPrefix): boolean {
  for (let bit = 0; bit < prefix.bits; bit += 8) {
    const mask = prefix.bits - bit >= 8 ? 0xff : (0xff << (8 - (prefix.bits - bit))) & 0xff;
    if ((bytes[bit / 8] & mask) !== (prefix.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

/** The IPv4 address carried in the last 32 bits, in its mapped form (NAT64 embeds it there). */
export function embeddedIpv4(bytes: IpBytes): IpBytes {
  return Uint8Array.from([...IPV4_MAPPED_HEAD, ...bytes.slice(12)]);
}
