import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS_SUBSCRIBER } from '@kiln/redis';
import { RedisKeys } from '@kiln/tasks';

/**
 * Lets a request wait for a job to end. Wake-ups come from the job-done
 * channel (published by whichever coordinator finished the job), not from
 * polling; the caller re-reads the job after waking or timing out.
 */
export type WaitOutcome = 'done' | 'timeout' | 'interrupted';

@Injectable()
export class JobWaiters implements OnApplicationBootstrap {
  private readonly waiting = new Map<string, Set<(outcome: WaitOutcome) => void>>();

  constructor(
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const channel = this.keys.jobDoneChannel();
    this.subscriber.on('message', (from: string, jobId: string) => {
      if (from === channel) this.wake(jobId);
    });
    await this.subscriber.subscribe(channel);
  }

  /**
   * Resolves 'done' when the job is announced done, 'timeout' after timeoutMs,
   * 'interrupted' when the coordinator stops. `isDone` is checked once after
   * subscribing, closing the race with a job that ended before the wait began.
   */
  async wait(jobId: string, timeoutMs: number, isDone: () => Promise<boolean>): Promise<WaitOutcome> {
    let wake!: (outcome: WaitOutcome) => void;
    const woken = new Promise<WaitOutcome>((resolve) => (wake = resolve));
    const set = this.waiting.get(jobId) ?? new Set();
    set.add(wake);
    this.waiting.set(jobId, set);
    let timer: NodeJS.Timeout | undefined;
    try {
      if (await isDone()) return 'done';
      const timedOut = new Promise<WaitOutcome>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      return await Promise.race([woken, timedOut]);
    } finally {
      clearTimeout(timer);
      set.delete(wake);
      if (set.size === 0) this.waiting.delete(jobId);
    }
  }

  /** The coordinator is stopping: every waiting request gets its answer now. */
  interruptAll(): void {
    for (const set of this.waiting.values()) set.forEach((wake) => wake('interrupted'));
  }

  private wake(jobId: string): void {
    this.waiting.get(jobId)?.forEach((wake) => wake('done'));
  }
}
