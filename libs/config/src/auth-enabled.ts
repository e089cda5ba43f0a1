import { KilnConfig } from './kiln-config';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Whether the API demands keys: `on`, or `auto` on anything but a loopback address. */
export function authEnabled(config: KilnConfig): boolean {
  const { mode } = config.coordinator.auth;
  return mode === 'on' || (mode === 'auto' && !LOOPBACK.has(config.coordinator.host));
}
