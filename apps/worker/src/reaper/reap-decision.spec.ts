import { JobState, NodeBeat } from '@kiln/tasks';
import { workerBeat } from '../../../../test/support/node-beats';
import { ReapFacts, reapReason } from './reap-decision';

const now = 1_000_000;
const beat = (id: string, instance: string, at = now): NodeBeat => workerBeat(id, at, { instance });

function facts(overrides: Partial<ReapFacts> = {}): ReapFacts {
  return {
    now,
    myInstance: 'me',
    beats: new Map([['w1', beat('w1', 'i1')]]),
    jobStates: new Map<string, JobState | null>([['running', JobState.RUNNING], ['done', JobState.COMPLETED], ['gone', null]]),
    workerTimeoutMs: 15_000,
    maxAgeMs: 600_000,
    ...overrides,
  };
}

describe('reapReason', () => {
  it('keeps a live owner’s container of a running job', () => {
    expect(reapReason({ id: 'c', instance: 'i1', workerId: 'w1', jobId: 'running', createdAt: now }, facts())).toBeNull();
  });

  it('keeps its own containers, and a live owner’s pooled container (no job yet)', () => {
    expect(reapReason({ id: 'c', instance: 'me', workerId: 'x', jobId: 'done', createdAt: now }, facts())).toBeNull();
    expect(reapReason({ id: 'c', instance: 'i1', workerId: 'w1', createdAt: now }, facts())).toBeNull();
  });

  it('removes what a dead or restarted owner left', () => {
    const silent = facts({ beats: new Map([['w1', beat('w1', 'i1', now - 16_000)]]) });
    expect(reapReason({ id: 'c', instance: 'i1', workerId: 'w1', jobId: 'running', createdAt: now }, silent)).toBe('owner gone');
    const restarted = facts({ beats: new Map([['w1', beat('w1', 'i2')]]) });
    expect(reapReason({ id: 'c', instance: 'i1', workerId: 'w1', jobId: 'running', createdAt: now }, restarted)).toBe('owner gone');
    expect(reapReason({ id: 'c', instance: 'i9', workerId: 'w9', createdAt: now }, facts())).toBe('owner gone');
  });

  it('removes a live owner’s container whose job is over or unknown', () => {
    expect(reapReason({ id: 'c', instance: 'i1', workerId: 'w1', jobId: 'done', createdAt: now }, facts())).toBe('job over');
    expect(reapReason({ id: 'c', instance: 'i1', workerId: 'w1', jobId: 'gone', createdAt: now }, facts())).toBe('job unknown');
  });

  it('removes anything older than the hard maximum, even its own', () => {
    expect(reapReason({ id: 'c', instance: 'me', workerId: 'x', createdAt: now - 600_001 }, facts())).toBe('too old');
  });
});
