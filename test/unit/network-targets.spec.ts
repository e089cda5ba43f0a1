import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The network rule of this repository: tests, benches and scripts send
 * traffic only to loopback or to test hosts they make themselves (Docker
 * networks, listeners, containers of their own, whose addresses they learn at
 * run time). So no such file may name another address or host: not an IP
 * literal outside 127.0.0.0/8, not a URL whose host is anything but loopback
 * or a reserved name that never resolves (RFC 2606/6761: .test, .example,
 * .invalid, .localhost), not a name looked up through the machine's resolver.
 */
const ROOT = join(__dirname, '..', '..');

/** What the rule covers: every test, bench and script (and CI) file git tracks. */
function coveredFiles(): string[] {
  const tracked = execFileSync('git', ['ls-files', 'test', 'scripts', '.ci', 'apps', 'libs', 'web'], { cwd: ROOT, encoding: 'utf8' });
  return tracked
    .split('\n')
    .filter(Boolean)
    .filter((file) => /^(test|scripts|\.ci)\//.test(file) || /\.(spec|e2e-spec)\.ts$/.test(file))
    .filter((file) => !/\.(png|jpg|ico|gz)$/.test(file))
    // This file quotes forbidden lines on purpose, as probes of the checker (the last test).
    .filter((file) => file !== 'test/unit/network-targets.spec.ts');
}

/**
 * Files whose addresses are data, never connection targets (a policy's own
 * table under test): each says so in a comment, and may open no connection.
 */
const DATA_MARKER = 'network-rule: the addresses in this file are data, never connection targets';
const OPENS_CONNECTIONS = /\b(fetch|connect|createConnection|request|supertest|startKiln|spawnKiln)\b\s*\(|from '(node:)?(net|http|https|dgram|tls)'/;

/** Package registries the machine-setup scripts install from (Debian's apt): the brief's allowed registries. */
const REGISTRIES: Record<string, RegExp> = { 'scripts/host-services.sh': /^deb\.debian\.org$/ };

const IPV4 = /(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])/g;
const URL_HOST = /\b(?:https?|wss?|redis|tcp):\/\/(?:[^@/\s"'`]*@)?(\[[^\]]*\]|[^/:\s"'`)]*)/g;
const LOOKUP = /\b(getaddrinfo|gethostbyname|dns\.(?:lookup|resolve\w*)|lookup)\s*\(\s*(["'`])([^"'`]*)\2/g;

function allowedIpv4(octets: number[]): boolean {
  if (octets.some((o) => o > 255)) return true; // not an address (a version number, say)
  return octets[0] === 127 || octets.every((o) => o === 0);
}

function allowedHost(host: string, file: string): boolean {
  if (host === '' || host.includes('${')) return true; // a template: the address is learnt at run time
  if (REGISTRIES[file]?.test(host)) return true;
  if (host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '0.0.0.0') return true;
  return /\.(test|example|invalid|localhost)$/i.test(host);
}

/** What one line names that the rule forbids (a data file's addresses excepted, never its lookups). */
function forbiddenIn(line: string, file: string, dataFile = false): string[] {
  const hits: string[] = [];
  if (!dataFile) {
    for (const m of line.matchAll(IPV4)) if (!allowedIpv4(m.slice(1, 5).map(Number))) hits.push(`IP address ${m[0]}`);
    for (const m of line.matchAll(URL_HOST)) if (!allowedHost(m[1], file)) hits.push(`host ${m[1]}`);
  }
  for (const m of line.matchAll(LOOKUP)) if (m[3] !== 'localhost') hits.push(`name lookup of ${m[3] || 'a computed name'}`);
  return hits;
}

function findingsIn(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const dataFile = text.includes(DATA_MARKER);
  const findings = dataFile && OPENS_CONNECTIONS.test(text) ? [`${file}: declares its addresses data but opens connections`] : [];
  text.split('\n').forEach((line, index) => {
    for (const hit of forbiddenIn(line, file, dataFile)) findings.push(`${file}:${index + 1}: ${hit}`);
  });
  return findings;
}

describe('the network rule: tests, benches and scripts target only loopback or their own test hosts', () => {
  it('no covered file names a foreign address or host, nor resolves a name', () => {
    const files = coveredFiles();
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap(findingsIn)).toEqual([]);
  });

  it('catches what it is meant to catch', () => {
    const probe = (line: string, file = 'test/x.e2e-spec.ts') => forbiddenIn(line, file);
    expect(probe('targets = [("1.1.1.1", 53), ("8.8.8.8", 443)]')).toEqual(['IP address 1.1.1.1', 'IP address 8.8.8.8']);
    expect(probe("webhook: 'https://example.org/hook'")).toEqual(['host example.org']);
    expect(probe('socket.getaddrinfo("example.org", 80)')).toEqual(['name lookup of example.org']);
    expect(probe("fetch('http://10.1.2.3/')")).toEqual(['IP address 10.1.2.3', 'host 10.1.2.3']);
    expect(probe("url: 'redis://:pw@x:6379'")).toEqual(['host x']);
    expect(probe("'http://127.0.0.1:9/hook', 'http://localhost/x', 'http://[::1]/y', 'https://hooks.kiln.test/h'")).toEqual([]);
    expect(probe('version 1.3.4, listening on 0.0.0.0')).toEqual([]);
    expect(probe('http://deb.debian.org/debian', 'scripts/host-services.sh')).toEqual([]);
    expect(probe('http://deb.debian.org/debian', 'scripts/other.sh')).toEqual(['host deb.debian.org']);
    expect(forbiddenIn('("10.0.0.1", 1)', 'test/x.spec.ts', true)).toEqual([]);
  });
});
