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

  it('nested mode refuses gVisor, saying why; container mode runs under it', () => {
    expect(() => assertTierRunsOn(nestedTier, 'runsc')).toThrow(/sandbox\.mode nested cannot run under sandbox\.runtime runsc: bubblewrap cannot start inside gVisor/);
    expect(() => assertTierRunsOn(containerTier, 'runsc')).not.toThrow();
    expect(() => assertTierRunsOn(nestedTier, 'runc')).not.toThrow();
  });
});
