import { NodeBeat } from '@kiln/tasks';
import { workerBeat } from '../../../../test/support/node-beats';
import { ReapFacts, reapReason, SandboxContainer } from './reap-decision';

const now = 1_000_000;
const maxAgeMs = 600_000;
const beat = (id: string, instance: string, at = now, accepting = true): NodeBeat => workerBeat(id, at, { instance, accepting });

function facts(overrides: Partial<ReapFacts> = {}): ReapFacts {
  return {
    now,
    myInstance: 'me',
    myWorkerId: 'w0',
    inUse: new Set(['busy']),
    beats: new Map([['w1', beat('w1', 'i1')]]),
    workerTimeoutMs: 15_000,
    maxAgeMs,
    ...overrides,
  };
}

/** Pooled containers, as every sandbox is now: no job label, only their owner's. */
const theirs = (createdAt = now): SandboxContainer => ({ id: 'c', instance: 'i1', workerId: 'w1', createdAt });
const mine = (id: string, createdAt = now): SandboxContainer => ({ id, instance: 'me', workerId: 'w0', createdAt });

describe('reapReason', () => {
  it('keeps a live owner’s containers, whatever their age: the owner judges its own', () => {
    expect(reapReason(theirs(), facts())).toBeNull();
    expect(reapReason(theirs(now - 10 * maxAgeMs), facts())).toBeNull();
  });

  it('keeps the containers of a live owner that takes no tasks (DOWN is alive)', () => {
    expect(reapReason(theirs(), facts({ beats: new Map([['w1', beat('w1', 'i1', now, false)]]) }))).toBeNull();
  });

  it('removes the pooled containers of an owner that is gone: silent (OFFLINE), stopped, or restarted', () => {
    const old = theirs(now - 15_000);
    expect(reapReason(old, facts({ beats: new Map([['w1', beat('w1', 'i1', now - 16_000)]]) }))).toBe('owner gone');
    expect(reapReason(old, facts({ beats: new Map() }))).toBe('owner gone');
    expect(reapReason(old, facts({ beats: new Map([['w1', beat('w1', 'i2')]]) }))).toBe('owner gone');
    expect(reapReason({ id: 'c', createdAt: now }, facts())).toBe('owner gone');
  });

  it('leaves a container younger than nodes.timeoutMs whose owner has not beaten yet: a worker starting its pool', () => {
    expect(reapReason(theirs(now - 100), facts({ beats: new Map() }))).toBeNull();
    // Restarted: the beat still names the old instance until the new one's first.
    expect(reapReason(theirs(now - 14_999), facts({ beats: new Map([['w1', beat('w1', 'i0', now - 5000)]]) }))).toBeNull();
    expect(reapReason(theirs(now - 15_000), facts({ beats: new Map() }))).toBe('owner gone');
  });

  it('removes a predecessor’s container (this worker’s id, another instance) at once, however young', () => {
    expect(reapReason({ id: 'c', instance: 'before-me', workerId: 'w0', createdAt: now - 100 }, facts())).toBe('owner gone');
  });

  it('never removes its own container while it serves a task, however old', () => {
    expect(reapReason(mine('busy', now - 10 * maxAgeMs), facts())).toBeNull();
  });

  it('removes its own container past the maximum age once no task holds it', () => {
    expect(reapReason(mine('idle', now - maxAgeMs - 1), facts())).toBe('too old');
    expect(reapReason(mine('idle', now - maxAgeMs + 1000), facts())).toBeNull();
  });
});
