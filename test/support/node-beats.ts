import { NodeBeat } from '@kiln/tasks';

/** A worker's heartbeat for unit tests: UP on queue `default`, beating at `at`; override any field. */
export function workerBeat(id: string, at: number, overrides: Partial<NodeBeat> = {}): NodeBeat {
  return {
    id,
    instance: `${id}-1`,
    role: 'worker',
    hostname: 'h',
    pid: 1,
    version: '0',
    startedAt: 0,
    queues: ['default'],
    concurrency: 1,
    running: 0,
    cpu: { load1: 0, cores: 2 },
    memory: { rssBytes: 0, hostFreeBytes: 0, hostTotalBytes: 0 },
    docker: { ok: true },
    accepting: true,
    at,
    ...overrides,
  };
}
