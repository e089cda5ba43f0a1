import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@kiln/config';
import { containerTier } from './container/container-tier';
import { nestedTier } from './nested/nested-tier';

const ROOT = join(__dirname, '../../../..');
const SECCOMP = join(__dirname, 'seccomp');
const IO_URING = ['io_uring_setup', 'io_uring_enter', 'io_uring_register'];

interface Rule {
  names: string[];
  action: string;
  errnoRet?: number;
  comment?: string;
}
interface Profile {
  defaultAction: string;
  syscalls: Rule[];
}

const read = (name: string): Profile => JSON.parse(readFileSync(join(SECCOMP, name), 'utf8'));
const isKilns = (rule: Rule) => rule.comment?.startsWith('kiln') ?? false;
const sandboxConfig = (env: Record<string, string> = {}) => loadConfig({ KILN_HOME: ROOT, ...env }).config.sandbox;
const spec = { image: 'kiln/python:latest', limits: { memoryMb: 128, cpus: 1, processes: 16 }, labels: { jobId: 'j', taskId: 't', workerId: 'w', instance: 'i', deployment: 'd' } };

describe("Kiln's seccomp profiles", () => {
  const upstream = read('docker-default.json');
  const container = read('container.json');
  const nestedOuter = read('nested-outer.json');

  it('are what scripts/generate-seccomp-profile.mjs writes from the committed upstream profile', () => {
    // Exits 1, naming the file, when a committed profile differs from the generator's output.
    expect(() => execFileSync('node', [join(ROOT, 'scripts/generate-seccomp-profile.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('container mode: Docker’s rules without io_uring, and a rule of Kiln’s that refuses it with EPERM', () => {
    expect(container.defaultAction).toBe('SCMP_ACT_ERRNO');
    const allowed = container.syscalls.filter((rule) => rule.action === 'SCMP_ACT_ALLOW').flatMap((rule) => rule.names);
    for (const name of IO_URING) expect(allowed).not.toContain(name);
    expect(container.syscalls.filter(isKilns)).toEqual([{ names: IO_URING, action: 'SCMP_ACT_ERRNO', errnoRet: 1, comment: expect.stringContaining('io_uring') }]);
    const withoutIoUring = (rule: Rule) => ({ ...rule, names: rule.names.filter((name) => !IO_URING.includes(name)) });
    expect(container.syscalls.filter((rule) => !isKilns(rule))).toEqual(upstream.syscalls.map(withoutIoUring).filter((rule) => rule.names.length > 0));
  });

  it('nested outer: the container profile plus exactly the calls bubblewrap needs', () => {
    const added = nestedOuter.syscalls.slice(container.syscalls.length);
    expect(nestedOuter.syscalls.slice(0, container.syscalls.length)).toEqual(container.syscalls);
    expect(added).toEqual([{ names: ['clone', 'unshare', 'mount', 'umount2', 'pivot_root'], action: 'SCMP_ACT_ALLOW', comment: expect.stringMatching(/^kiln nested mode/) }]);
  });
});

describe('the seccomp option of a sandbox container', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-seccomp-spec-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const profileIn = (options: ReturnType<typeof containerTier.containerSpec>) => {
    const seccomp = (options.HostConfig!.SecurityOpt ?? []).filter((option: string) => option.startsWith('seccomp='));
    expect(seccomp).toHaveLength(1);
    return JSON.parse(seccomp[0].slice('seccomp='.length));
  };

  it('is Kiln’s container profile in container mode and its nested-outer profile in nested mode, once each', () => {
    expect(profileIn(containerTier.containerSpec(spec, sandboxConfig()))).toEqual(read('container.json'));
    expect(profileIn(nestedTier.containerSpec(spec, sandboxConfig({ KILN_SANDBOX__MODE: 'nested' })))).toEqual(read('nested-outer.json'));
  });

  it('is the operator’s file where sandbox.seccompProfile or sandbox.nested.seccompProfile names one', () => {
    const own = join(dir, 'own.json');
    writeFileSync(own, JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] }));
    const expected = JSON.parse(readFileSync(own, 'utf8'));
    expect(profileIn(containerTier.containerSpec(spec, sandboxConfig({ KILN_SANDBOX__SECCOMP_PROFILE: own })))).toEqual(expected);
    const nested = sandboxConfig({ KILN_SANDBOX__MODE: 'nested', KILN_SANDBOX__NESTED__SECCOMP_PROFILE: own });
    expect(profileIn(nestedTier.containerSpec(spec, nested))).toEqual(expected);
    // Each mode reads its own key only.
    expect(profileIn(containerTier.containerSpec(spec, sandboxConfig({ KILN_SANDBOX__NESTED__SECCOMP_PROFILE: own })))).toEqual(read('container.json'));
    expect(profileIn(nestedTier.containerSpec(spec, sandboxConfig({ KILN_SANDBOX__SECCOMP_PROFILE: own })))).toEqual(read('nested-outer.json'));
  });

  it('names the key and the file when the operator’s profile cannot be used', () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ not json');
    expect(() => containerTier.seccompOption(sandboxConfig({ KILN_SANDBOX__SECCOMP_PROFILE: broken }))).toThrow(`sandbox.seccompProfile: cannot use ${broken} as a seccomp profile`);
    const missing = join(dir, 'missing.json');
    expect(() => nestedTier.seccompOption(sandboxConfig({ KILN_SANDBOX__MODE: 'nested', KILN_SANDBOX__NESTED__SECCOMP_PROFILE: missing }))).toThrow(
      `sandbox.nested.seccompProfile: cannot use ${missing} as a seccomp profile`,
    );
  });
});
