import type { Job } from 'bullmq';
import { KilnConfig } from '@kiln/config';
import { TaskEvent, TaskPayload } from '@kiln/tasks';
import { WorkerIdentity } from '../identity/worker-identity';
import { StalledTaskReporter } from './stalled-task.reporter';
import { TaskEventPublisher } from './task-event.publisher';

const STALLED = 'job stalled more than allowable limit';

/** BullMQ's UnrecoverableError as the consumer's `failed` event carries it (its class is libs/store's to import). */
const unrecoverable = (message: string) => Object.assign(new Error(message), { name: 'UnrecoverableError' });

function reporter(published: Omit<TaskEvent, 'at'>[]): StalledTaskReporter {
  const config = { worker: { maxStalledCount: 1 } } as KilnConfig;
  const events = { publish: async (event: Omit<TaskEvent, 'at'>) => void published.push(event) } as unknown as TaskEventPublisher;
  return new StalledTaskReporter(config, { id: 'w2' } as WorkerIdentity, events);
}

const job = (deferredFailure?: string) => ({ data: { jobId: 'j1', taskId: 'run' } as TaskPayload, attemptsMade: 0, deferredFailure }) as unknown as Job<TaskPayload>;

describe('StalledTaskReporter', () => {
  it('reports a task BullMQ failed before running it (stalled too often) as failed, naming the setting', async () => {
    const published: Omit<TaskEvent, 'at'>[] = [];
    await reporter(published).failed(job(STALLED), unrecoverable(STALLED));
    expect(published).toEqual([
      { type: 'failed', jobId: 'j1', taskId: 'run', workerId: 'w2', attempt: 1, error: 'its worker was lost while it ran, more often than worker.maxStalledCount (1) allows' },
    ]);
  });

  it('leaves the failures the processor threw to the processor, which reported them itself', async () => {
    const published: Omit<TaskEvent, 'at'>[] = [];
    await reporter(published).failed(job(), new Error('the engine does not answer'));
    await reporter(published).failed(job(STALLED), new Error('the engine does not answer'));
    await reporter(published).failed(undefined, unrecoverable(STALLED));
    expect(published).toEqual([]);
  });
});
