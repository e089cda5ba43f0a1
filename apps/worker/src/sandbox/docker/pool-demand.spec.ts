import { PoolDemand, poolTarget } from './pool-demand';

describe('PoolDemand', () => {
  it('counts the claims of the window only', () => {
    const demand = new PoolDemand(1000);
    demand.record(0);
    demand.record(500);
    demand.record(900);
    expect(demand.recent(950)).toBe(3);
    expect(demand.recent(1000)).toBe(2);
    expect(demand.recent(1900)).toBe(0);
  });

  it('says the pace of the last moments apart from the window', () => {
    const demand = new PoolDemand(60_000);
    for (const at of [0, 10_000, 10_400, 10_800, 10_900]) demand.record(at);
    // The last second: (10 000, 11 000].
    expect(demand.lately(11_000, 1000)).toBe(3);
    expect(demand.lately(11_000, 200)).toBe(1);
    expect(demand.lately(30_000, 1000)).toBe(0);
    expect(demand.recent(11_000)).toBe(5);
  });
});

describe('poolTarget', () => {
  it('follows recent demand up to the size, down to zero', () => {
    expect(poolTarget({ recentClaims: 0, size: 4, warm: false })).toBe(0);
    expect(poolTarget({ recentClaims: 2, size: 4, warm: false })).toBe(2);
    expect(poolTarget({ recentClaims: 90, size: 4, warm: false })).toBe(4);
  });

  it('keeps warm pools full, and none when the size is zero', () => {
    expect(poolTarget({ recentClaims: 0, size: 4, warm: true })).toBe(4);
    expect(poolTarget({ recentClaims: 9, size: 0, warm: true })).toBe(0);
  });
});
