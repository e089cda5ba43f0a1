import { KilnConfig } from './kiln-config';

/**
 * How exposed the API is decides which of its protections are on by default
 * (`mode: auto`): a loopback-bound Kiln is reached only from this machine, so
 * it needs no keys, but it must refuse Host names a web page could rebind to
 * 127.0.0.1; beyond loopback, keys are required.
 */

/** The host part (no port, no brackets, lower case) of a URL authority, or null if it is not a plain `host[:port]`. */
export function hostnameOf(authority: string): string | null {
  if (!authority || /[\s/\\?#@]/.test(authority)) return null;
  try {
    const { hostname } = new URL(`http://${authority}`);
    return hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '') || null;
  } catch {
    return null;
  }
}

/** A configured address or name (`127.0.0.1`, `::1`, `[::1]`, `localhost`, `0.0.0.0`…) is a loopback one. */
export function isLoopbackHost(host: string): boolean {
  const name = hostnameOf(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
  return name !== null && isLoopbackName(name);
}

/**
 * A host name as hostnameOf gives it names loopback: 127.0.0.0/8, ::1 (also
 * IPv4-mapped ::ffff:127.x.y.z) or localhost. hostnameOf has already turned
 * other spellings (127.1, 0x7f.0.0.1, [0::1], LOCALHOST.) into these.
 */
export function isLoopbackName(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname) || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(hostname);
}

/** Whether the API demands keys: `on`, or `auto` on anything but a loopback address. */
export function authEnabled(config: KilnConfig): boolean {
  const { mode } = config.coordinator.auth;
  return mode === 'on' || (mode === 'auto' && !isLoopbackHost(config.coordinator.host));
}

/**
 * Whether requests must name this Kiln in `Host` (against DNS rebinding):
 * `on`, or `auto` where nothing else stops a rebound page — on a loopback
 * address, or wherever keys are off (a page cannot present a key it does not
 * have, so keys alone suffice).
 */
export function hostCheckEnabled(config: KilnConfig): boolean {
  const { mode } = config.coordinator.hostCheck;
  return mode === 'on' || (mode === 'auto' && (isLoopbackHost(config.coordinator.host) || !authEnabled(config)));
}

/** Whether requests are rate-limited: `on`, or `auto` unless a loopback Kiln runs without keys (one local user). */
export function rateLimitEnabled(config: KilnConfig): boolean {
  const { mode } = config.coordinator.rateLimit;
  return mode === 'on' || (mode === 'auto' && (authEnabled(config) || !isLoopbackHost(config.coordinator.host)));
}
