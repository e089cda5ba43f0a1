import type { ContainerCreateOptions } from 'dockerode';
import { PoolDemand } from './pool-demand';
import { PoolShelf } from './pool-shelf';
import { WarmContainer } from './warm-container';

const limits = (memoryMb: number) => ({ memoryMb, cpus: 1, processes: 64 });
/** Only what the shelf looks at: the limits (it never touches the container). */
const warm = (memoryMb: number) => ({ limits: limits(memoryMb) }) as unknown as WarmContainer;
const shelf = () => new PoolShelf('key', 'kiln/python:latest', { options: {} as ContainerCreateOptions, limits: limits(256) }, new PoolDemand(60_000));

describe('PoolShelf', () => {
  it('lends the oldest container that already has the limits, else the oldest', () => {
    const s = shelf();
    const [a, b, c] = [warm(256), warm(128), warm(128)];
    s.ready.push(a, b, c);
    expect(s.takeReady(limits(128))).toBe(b);
    expect(s.takeReady(limits(512))).toBe(a);
    expect(s.ready).toEqual([c]);
  });

  it('counts differently per mode: lent nested containers come back, lent default ones never do', () => {
    const s = shelf();
    s.ready.push(warm(256));
    s.leased.add(warm(256));
    s.resting.add(warm(256));
    s.launching = 1;
    s.waiters.push({ resolve: () => undefined, reject: () => undefined });
    expect(s.owned(false)).toBe(1);
    expect(s.owned(true)).toBe(4);
    expect(s.returning(false)).toBe(0);
    expect(s.returning(true)).toBe(2);
  });

  it('forgets a container in whatever state it was', () => {
    const s = shelf();
    const [a, b, c] = [warm(1), warm(2), warm(3)];
    s.ready.push(a);
    s.leased.add(b);
    s.resting.add(c);
    [a, b, c].forEach((w) => s.forget(w));
    expect([s.ready.length, s.leased.size, s.resting.size]).toEqual([0, 0, 0]);
  });
});
