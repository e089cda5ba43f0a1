import { RedisHealth } from '@kiln/redis';
import { RequestCountRepository } from '@kiln/store';
import { SharedRequestCounts } from './shared-request-counts';

const WINDOW_MS = 60_000;

function storage(counts: Partial<RequestCountRepository>, connected = true): SharedRequestCounts {
  return new SharedRequestCounts(counts as RequestCountRepository, { connected: () => connected } as RedisHealth);
}

describe('SharedRequestCounts', () => {
  it('answers from the shared count: within the limit, then blocked until the window ends', async () => {
    let count = 0;
    const shared = storage({ count: async () => ({ count: ++count, windowLeftMs: 41_500 }) });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await shared.increment('default:key:a', WINDOW_MS, 2, WINDOW_MS, 'default'));
    expect(answers.map((answer) => answer.isBlocked)).toEqual([false, false, true]);
    expect(answers[2]).toEqual({ totalHits: 3, timeToExpire: 42, isBlocked: true, timeToBlockExpire: 42 });
    expect(answers[0].timeToBlockExpire).toBe(0);
  });

  it('never tells a blocked caller to retry after 0 s, even in the window’s last milliseconds', async () => {
    const shared = storage({ count: async () => ({ count: 9, windowLeftMs: 3 }) });
    expect(await shared.increment('default:key:a', WINDOW_MS, 2, WINDOW_MS, 'default')).toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });
  });

  it('counts in its own memory while Redis fails or is not connected: the limit still holds, nothing is refused for want of a count', async () => {
    for (const shared of [storage({ count: () => Promise.reject(new Error('Connection is closed.')) }), storage({ count: () => Promise.reject(new Error('unused')) }, false)]) {
      const blocked = [];
      for (let i = 0; i < 3; i++) blocked.push((await shared.increment('default:key:a', WINDOW_MS, 2, WINDOW_MS, 'default')).isBlocked);
      expect(blocked).toEqual([false, false, true]);
      expect((await shared.increment('default:key:b', WINDOW_MS, 2, WINDOW_MS, 'default')).isBlocked).toBe(false);
    }
  });
});
