import { loadConfig } from '@kiln/config';
import { containerTier } from '../container/container-tier';
import { nestedTier } from '../nested/nested-tier';
import { assertTierRunsOn } from './docker-preflight';

const spec = {
  image: 'kiln/python:latest',
  limits: { memoryMb: 128, cpus: 1, processes: 32 },
  labels: { jobId: 'j', taskId: 't', workerId: 'w', instance: 'i', deployment: 'd' },
};
const sandboxWith = (runtime: string) => loadConfig({ KILN_SANDBOX__RUNTIME: runtime }).config.sandbox;

describe('the container spec under gVisor (sandbox.runtime: runsc)', () => {
  it('moves the process limit inside gVisor (RLIMIT_NPROC) and sizes the host pids limit for gVisor’s own threads', () => {
    const host = containerTier.containerSpec(spec, sandboxWith('runsc')).HostConfig!;
    expect(host.Runtime).toBe('runsc');
    expect(host.Ulimits).toContainEqual({ Name: 'nproc', Soft: 33, Hard: 33 });
    expect(host.PidsLimit).toBeGreaterThan(33 * 8);
    // Everything else of the sandbox rules is unchanged.
    expect(host).toMatchObject({ NetworkMode: 'none', CapDrop: ['ALL'], ReadonlyRootfs: true, Memory: 128 << 20, MemorySwap: 128 << 20 });
  });

  it('leaves runc’s spec alone: no RLIMIT_NPROC (it would count every sandbox of the uid on the host), pids limit processes + 1', () => {
    const host = containerTier.containerSpec(spec, sandboxWith('runc')).HostConfig!;
    expect(host.Runtime).toBeUndefined();
    expect(host.Ulimits!.map((u) => u.Name)).not.toContain('nproc');
    expect(host.PidsLimit).toBe(33);
  });

  it('allows what the profile answers ENOSYS (clone3), which runsc would answer EPERM, stopping glibc’s fallback to clone; keeps every other rule', () => {
    type Profile = { syscalls: { names: string[]; action: string; errnoRet?: number }[] };
    const profileOf = (runtime: string) => {
      const option = containerTier.containerSpec(spec, sandboxWith(runtime)).HostConfig!.SecurityOpt!.find((o: string) => o.startsWith('seccomp='))!;
      return JSON.parse(option.slice('seccomp='.length)) as Profile;
    };
    const runc = profileOf('runc');
    const runsc = profileOf('runsc');
    expect(runc.syscalls).toContainEqual(expect.objectContaining({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }));
    expect(runsc.syscalls).toContainEqual(expect.objectContaining({ names: ['clone3'], action: 'SCMP_ACT_ALLOW' }));
    expect(runsc.syscalls.filter((rule) => rule.errnoRet === 38)).toEqual([]);
    // io_uring stays refused (EPERM, which runsc gives anyway), and the rest is the same profile.
    expect(runsc.syscalls).toContainEqual(expect.objectContaining({ names: ['io_uring_setup', 'io_uring_enter', 'io_uring_register'], action: 'SCMP_ACT_ERRNO' }));
    expect(runsc.syscalls).toHaveLength(runc.syscalls.length);
    // One string per profile, the same every time (the pool keys containers by its digest).
    expect(containerTier.containerSpec(spec, sandboxWith('runsc')).HostConfig!.SecurityOpt).toEqual(containerTier.containerSpec(spec, sandboxWith('runsc')).HostConfig!.SecurityOpt);
  });

  it('nested mode refuses gVisor, saying why; container mode runs under it', () => {
    expect(() => assertTierRunsOn(nestedTier, 'runsc')).toThrow(/sandbox\.mode nested cannot run under sandbox\.runtime runsc: bubblewrap cannot start inside gVisor/);
    expect(() => assertTierRunsOn(containerTier, 'runsc')).not.toThrow();
    expect(() => assertTierRunsOn(nestedTier, 'runc')).not.toThrow();
  });
});
