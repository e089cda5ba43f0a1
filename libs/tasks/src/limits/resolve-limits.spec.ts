import { cpuTimeMsOf, Limits, LimitsPolicy } from './limits';
import { effectivePolicy, resolveLimits } from './resolve-limits';

const defaults: Limits = {
  timeoutMs: 5000, memoryMb: 256, cpus: 1, processes: 64, outputBytes: 65536, jobOutputBytes: 1048576, compileTimeoutMs: 15000, compileMemoryMb: 512,
};
const policy: LimitsPolicy = { defaults, maxima: { ...defaults, timeoutMs: 30000, memoryMb: 1024, cpus: 2 } };

describe('resolveLimits', () => {
  it('uses the defaults when the request sets nothing', () => {
    expect(resolveLimits(undefined, policy)).toEqual({ limits: defaults, violations: [] });
  });

  it('takes requested values up to the maximum', () => {
    const { limits, violations } = resolveLimits({ timeoutMs: 30000, cpus: 1.5 }, policy);
    expect(violations).toEqual([]);
    expect(limits.timeoutMs).toBe(30000);
    expect(limits.cpus).toBe(1.5);
  });

  it('names every field above its maximum, below its minimum or not an integer', () => {
    const { violations } = resolveLimits({ timeoutMs: 30001, memoryMb: 1, processes: 2.5 }, policy);
    expect(violations.map((v) => v.field)).toEqual(['limits.timeoutMs', 'limits.memoryMb', 'limits.processes']);
    expect(violations[0].message).toContain('maximum of 30000');
  });

  it('lets a language raise its defaults and maxima, never its defaults above its maxima', () => {
    const effective = effectivePolicy(policy, { defaults: { memoryMb: 2048 }, maxima: { memoryMb: 1536 } });
    expect(effective.maxima.memoryMb).toBe(1536);
    expect(effective.defaults.memoryMb).toBe(1536);
    expect(resolveLimits({ memoryMb: 1536 }, policy, { maxima: { memoryMb: 1536 } }).violations).toEqual([]);
  });

  it('cpuTimeMs: absent unless requested, bounded by the wall-clock maximum times the most cores', () => {
    expect(resolveLimits(undefined, policy).limits.cpuTimeMs).toBeUndefined();
    expect(cpuTimeMsOf({ timeoutMs: 3000, cpus: 2 })).toBe(6000);
    expect(resolveLimits({ cpuTimeMs: 60000 }, policy).limits.cpuTimeMs).toBe(60000);
    expect(cpuTimeMsOf(resolveLimits({ cpuTimeMs: 1500 }, policy).limits)).toBe(1500);
    const { violations } = resolveLimits({ cpuTimeMs: 60001 }, policy);
    expect(violations).toEqual([{ field: 'limits.cpuTimeMs', message: expect.stringContaining('must not exceed 60000') }]);
    expect(resolveLimits({ cpuTimeMs: 50 }, policy).violations[0].message).toContain('at least 100');
  });
});
