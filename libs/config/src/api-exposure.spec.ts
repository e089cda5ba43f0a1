import { join } from 'node:path';
import { authEnabled, hostCheckEnabled, hostnameOf, isLoopbackHost, isLoopbackName, rateLimitEnabled } from './api-exposure';
import { loadConfig } from './config-loader';

// network-rule: the addresses in this file are data, never connection targets (Host values and bind addresses judged, none reached).
const load = (env: Record<string, string>) => loadConfig({ KILN_HOME: join(__dirname, '../../..'), ...env }).config;
const KEYS = { KILN_COORDINATOR__AUTH__KEYS: 'a-key-of-16-chars+' };

describe('hostnameOf', () => {
  it.each([
    ['127.0.0.1:8080', '127.0.0.1'],
    ['LocalHost', 'localhost'],
    ['localhost.:80', 'localhost'],
    ['[::1]:9000', '::1'],
    ['[0:0:0:0:0:0:0:1]', '::1'],
    ['127.1', '127.0.0.1'],
    ['0x7f.0.0.1', '127.0.0.1'],
    ['kiln.proxy.test:443', 'kiln.proxy.test'],
  ])('%j → %j', (authority, hostname) => {
    expect(hostnameOf(authority)).toBe(hostname);
  });

  it.each(['', ':8080', 'a b', 'evil.test/@127.0.0.1', 'user@127.0.0.1', '127.0.0.1?x', '127.0.0.1#x', 'a\\b', '::1', '[::1'])('%j → null', (authority) => {
    expect(hostnameOf(authority)).toBeNull();
  });
});

describe('loopback names', () => {
  it.each(['127.0.0.1', '127.5.6.7', '::1', 'localhost', '::ffff:7f00:1'])('%s is loopback', (name) => {
    expect(isLoopbackName(name)).toBe(true);
  });

  it.each(['0.0.0.0', '10.0.0.1', '::', 'attacker.test', '127.0.0.1.attacker.test', 'localhost.attacker.test', '128.0.0.1'])('%s is not', (name) => {
    expect(isLoopbackName(name)).toBe(false);
  });

  it('bind addresses: 127.0.0.0/8, ::1 with or without brackets, localhost', () => {
    expect(['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost'].map(isLoopbackHost)).toEqual([true, true, true, true, true]);
    expect(['0.0.0.0', '::', '192.0.2.1', 'kiln.test'].map(isLoopbackHost)).toEqual([false, false, false, false]);
  });
});

describe('protections by exposure (mode auto)', () => {
  it('loopback without keys: Host check on, no keys, no rate limit', () => {
    const config = load({});
    expect([hostCheckEnabled(config), authEnabled(config), rateLimitEnabled(config)]).toEqual([true, false, false]);
  });

  it('loopback with keys on: rate-limited too', () => {
    const config = load({ KILN_COORDINATOR__AUTH__MODE: 'on', ...KEYS });
    expect([hostCheckEnabled(config), authEnabled(config), rateLimitEnabled(config)]).toEqual([true, true, true]);
  });

  it('beyond loopback: keys and rate limit on, Host check off', () => {
    const config = load({ KILN_COORDINATOR__HOST: '0.0.0.0', ...KEYS });
    expect([hostCheckEnabled(config), authEnabled(config), rateLimitEnabled(config)]).toEqual([false, true, true]);
  });

  it('beyond loopback with keys switched off: still rate-limited (by address), and Host-checked', () => {
    const config = load({ KILN_COORDINATOR__HOST: '0.0.0.0', KILN_COORDINATOR__AUTH__MODE: 'off' });
    expect([hostCheckEnabled(config), authEnabled(config), rateLimitEnabled(config)]).toEqual([true, false, true]);
  });

  it('on and off override auto', () => {
    const config = load({ KILN_COORDINATOR__HOST_CHECK__MODE: 'off', KILN_COORDINATOR__RATE_LIMIT__MODE: 'on' });
    expect([hostCheckEnabled(config), rateLimitEnabled(config)]).toEqual([false, true]);
  });
});

describe('coordinator.hostCheck.allowedHosts', () => {
  it('takes host names and IP addresses', () => {
    const config = load({ KILN_COORDINATOR__HOST_CHECK__ALLOWED_HOSTS: 'kiln.proxy.test,10.0.0.5,[fd00::1]' });
    expect(config.coordinator.hostCheck.allowedHosts).toEqual(['kiln.proxy.test', '10.0.0.5', '[fd00::1]']);
  });

  it.each(['https://kiln.proxy.test', 'kiln.proxy.test:8080', 'kiln.proxy.test/', '*.example.org', 'a b'])('refuses %j, naming the key', (entry) => {
    expect(() => load({ KILN_COORDINATOR__HOST_CHECK__ALLOWED_HOSTS: entry })).toThrow(/coordinator\.hostCheck\.allowedHosts: each allowed host must be a host name/);
  });
});
