import { Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { JobSignalsRepository } from '@kiln/store';
import { CoordinatorDrain } from '../http/coordinator-drain';

/**
 * Lets a request wait for a job to end. Wake-ups come from the job-ended
 * signal (sent by whichever coordinator finished the job), not from
 * polling; the caller re-reads the job after waking or timing out.
 */
export type WaitOutcome = 'done' | 'timeout' | 'interrupted';

@Injectable()
export class JobWaiters implements OnModuleInit, OnApplicationBootstrap {
  private readonly waiting = new Map<string, Set<(outcome: WaitOutcome) => void>>();

  constructor(
    private readonly signals: JobSignalsRepository,
    private readonly drain: CoordinatorDrain,
  ) {}

  onModuleInit(): void {
    // Past the shutdown grace, the requests still waiting get their answer (see CoordinatorDrain).
    this.drain.whenGraceIsOver(() => this.interruptAll());
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.signals.onEnded((jobId) => this.wake(jobId));
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
