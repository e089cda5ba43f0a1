import { workerBeat } from '../../../../test/support/node-beats';
import { NodeBeat } from './node-beat';
import { queueSlots, runningShareLimit } from './running-share';

const NOW = 1_000_000;

const beat = (id: string, overrides: Partial<NodeBeat> = {}) => workerBeat(id, NOW, { concurrency: 4, ...overrides });

describe('queueSlots', () => {
  const self = { id: 'me', concurrency: 2 };

  it('counts this worker by its configuration, even before its first heartbeat', () => {
    expect(queueSlots([], 'default', self, NOW, 15_000)).toBe(2);
    expect(queueSlots([beat('me', { concurrency: 99 })], 'default', self, NOW, 15_000)).toBe(2);
  });

  it('adds the other workers of the queue that are UP, and only those', () => {
    const beats = [
      beat('a'),
      beat('heavy-only', { queues: ['heavy'], concurrency: 5 }),
      beat('silent', { at: NOW - 20_000 }),
      beat('no-docker', { accepting: false }),
      beat('coordinator', { role: 'coordinator' }),
      beat('b', { concurrency: 3, queues: ['heavy', 'default'] }),
    ];
    expect(queueSlots(beats, 'default', self, NOW, 15_000)).toBe(2 + 4 + 3);
    expect(queueSlots(beats, 'heavy', self, NOW, 15_000)).toBe(2 + 5 + 3);
  });
});

describe('runningShareLimit', () => {
  it('is the share of the slots rounded down, at least one task', () => {
    expect(runningShareLimit(2, 0.5)).toBe(1);
    expect(runningShareLimit(3, 0.5)).toBe(1);
    expect(runningShareLimit(10, 0.3)).toBe(3);
    expect(runningShareLimit(1, 0.5)).toBe(1);
    expect(runningShareLimit(8, 1)).toBe(8);
    expect(runningShareLimit(4, 0.01)).toBe(1);
  });
});
