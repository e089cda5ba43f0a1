import type { ContainerCreateOptions } from 'dockerode';
import { limitUpdate, poolKey } from './pool-key';

const options = (host: Record<string, unknown>, labels: Record<string, string> = {}): ContainerCreateOptions => ({
  Image: 'kiln/python:latest',
  Labels: labels,
  HostConfig: { NetworkMode: 'none', Memory: 256, MemorySwap: 256, NanoCpus: 1e9, PidsLimit: 65, ...host },
});

describe('poolKey', () => {
  it('ignores limit values and labels: those are changed or don’t matter', () => {
    expect(poolKey(options({ Memory: 64, MemorySwap: 64, PidsLimit: 9 }, { 'kiln.created': '1' }))).toBe(poolKey(options({})));
  });

  it('tells apart configurations that differ in anything else, or in whether a limit is set', () => {
    const base = poolKey(options({}));
    expect(poolKey(options({ NetworkMode: 'bridge' }))).not.toBe(base);
    expect(poolKey({ ...options({}), Image: 'kiln/gcc:latest' })).not.toBe(base);
    const withoutPids = options({});
    delete withoutPids.HostConfig!.PidsLimit;
    expect(poolKey(withoutPids)).not.toBe(base);
  });
});

describe('limitUpdate', () => {
  it('is the update API body of the limits set', () => {
    expect(limitUpdate(options({ NetworkMode: 'none' }))).toEqual({ Memory: 256, MemorySwap: 256, NanoCpus: 1e9, PidsLimit: 65 });
  });
});

describe('poolKey under gVisor', () => {
  it('keeps limit values in the key: runsc cannot update a started container', () => {
    const runsc = (host: Record<string, unknown>) => options({ Runtime: 'runsc', ...host });
    expect(poolKey(runsc({ Memory: 64, MemorySwap: 64 }))).not.toBe(poolKey(runsc({})));
    expect(poolKey(runsc({}))).toBe(poolKey(runsc({})));
  });
});
