import type { ContainerCreateOptions } from 'dockerode';
import { PoolDemand } from './pool-demand';
import { PoolShelf } from './pool-shelf';
import { PooledContainer } from './pooled-container';

const limits = (memoryMb: number) => ({ memoryMb, cpus: 1, processes: 64 });
/** Only what the shelf looks at: the limits (it never touches the container). */
const warm = (memoryMb: number) => ({ limits: limits(memoryMb) }) as unknown as PooledContainer;
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
