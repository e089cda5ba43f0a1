import { Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { JobSignalsRepository } from '@kiln/store';
import { JobRecord } from '@kiln/tasks';
import { CoordinatorDrain } from '../http/coordinator-drain';

/**
 * Lets a request wait for a job to end. Wake-ups come from the job-ended
 * signal (sent by whichever coordinator finished the job), not from
 * polling; the caller re-reads the job after waking or timing out, unless
 * this coordinator ended it and handed over the record as the end left it
 * (`answer`).
 */
export type WaitOutcome = 'done' | 'timeout' | 'interrupted';

/** How a wait ended; `record`: the job as its end stored it (with its outputs), when this coordinator ended it. */
export interface WaitResult {
  outcome: WaitOutcome;
  record?: JobRecord;
}

type Wake = (result: WaitResult) => void;

/** How long into a wait the job's state is read once, in case it ended before the wait began. */
const CHECK_AFTER_MS = 1000;

@Injectable()
export class JobWaiters implements OnModuleInit, OnApplicationBootstrap {
  private readonly waiting = new Map<string, Set<Wake>>();

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
   * 'interrupted' when the coordinator stops. `isDone` closes the race with a
   * job that ended before the wait began: it is asked once, CHECK_AFTER_MS
   * into the wait if no wake-up came first, not at once, so a job answered
   * within that time costs no read (its end cannot come before the request
   * that waits for it has registered: that happens in the turn its job was
   * queued in, and the end's signal is a later message).
   */
  async wait(jobId: string, timeoutMs: number, isDone: () => Promise<boolean>): Promise<WaitResult> {
    let wake!: Wake;
    const woken = new Promise<WaitResult>((resolve) => (wake = resolve));
    const set = this.waiting.get(jobId) ?? new Set();
    set.add(wake);
    this.waiting.set(jobId, set);
    const check = setTimeout(() => {
      isDone().then(
        (done) => done && wake({ outcome: 'done' }),
        () => undefined,
      );
    }, Math.min(CHECK_AFTER_MS, timeoutMs));
    let timer: NodeJS.Timeout | undefined;
    try {
      const timedOut = new Promise<WaitResult>((resolve) => (timer = setTimeout(() => resolve({ outcome: 'timeout' }), timeoutMs)));
      return await Promise.race([woken, timedOut]);
    } finally {
      clearTimeout(check);
      clearTimeout(timer);
      set.delete(wake);
      if (set.size === 0) this.waiting.delete(jobId);
    }
  }

  /** Whether a request here waits for the job: its end should then hand over the record (`answer`). */
  isWaitedFor(jobId: string): boolean {
    return this.waiting.has(jobId);
  }

  /**
   * This coordinator ended the job: its waiters are answered with the record
   * as the end stored it, read in the same step, so they read nothing again.
   * The job-ended signal that follows finds them gone.
   */
  answer(record: JobRecord): void {
    this.waiting.get(record.meta.id)?.forEach((wake) => wake({ outcome: 'done', record }));
  }

  /** The coordinator is stopping: every waiting request gets its answer now. */
  interruptAll(): void {
    for (const set of this.waiting.values()) set.forEach((wake) => wake({ outcome: 'interrupted' }));
  }

  private wake(jobId: string): void {
    this.waiting.get(jobId)?.forEach((wake) => wake({ outcome: 'done' }));
  }
}
