import type { Request } from 'express';
import { KilnClient } from '@kiln/client';
import { keyOf } from '../auth/caller-identity';

/**
 * The native API client that the tools of one /mcp request use: this
 * coordinator's own API, at the address and port the request came in on
 * (this process listens there, whatever coordinator.host is), with the key
 * the request presented. Every tool call is then an API request like any
 * other: the same validation, limits, key, ownership and rate limit.
 */
export function loopbackClientFor(request: Request): KilnClient {
  const { localAddress, localPort } = request.socket;
  return new KilnClient({ baseUrl: `http://${hostOf(localAddress ?? '127.0.0.1')}:${localPort}`, key: keyOf(request) });
}

/** An address as a URL's host: IPv4 (also when IPv4-mapped) as it is, IPv6 in brackets. */
export function hostOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  return address.includes(':') ? `[${address}]` : address;
}
