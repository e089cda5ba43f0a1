import { Injectable } from '@nestjs/common';
import { settledWithin } from '@kiln/redis';
import { RuntimeHealth, SandboxRuntime } from '../sandbox/sandbox-runtime';
import { TaskQueueConsumer } from '../tasks/task-queue.consumer';

/**
 * Asks the sandbox runtime at every heartbeat whether it can make sandboxes
 * (Docker-backed tiers: does the engine answer). While it cannot, the worker
 * takes no tasks (they wait in the queue for another worker, or for this one
 * to recover) rather than failing them one by one.
 */
@Injectable()
export class RuntimeWatchdog {
  /** Start-up's preflight found the runtime answering before any heartbeat. */
  private last: RuntimeHealth = { ok: true };
  private asking: Promise<RuntimeHealth> | null = null;
  private askedAt = 0;

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly consumer: TaskQueueConsumer,
  ) {}

  /**
   * The runtime's health, or the last answer if it takes longer than
   * `withinMs` to give this one: a busy engine, slow to answer a ping, must
   * not hold up the heartbeat, or the worker would look gone to the others
   * (they would reap its pool) while it is merely slow. One question at a
   * time: a late answer still pauses or resumes the consumer when it comes.
   * A runtime silent for `stalledAfterMs` is not merely slow: the worker
   * takes no tasks until it answers.
   */
  async check(withinMs: number, stalledAfterMs: number): Promise<RuntimeHealth> {
    if (!this.asking) {
      this.askedAt = Date.now();
      this.asking = this.ask().finally(() => (this.asking = null));
    }
    const asking = this.asking;
    if (await settledWithin(asking, withinMs)) return asking;
    const silentMs = Date.now() - this.askedAt;
    if (silentMs < stalledAfterMs) return this.last;
    const stalled = { ok: false, error: `the sandbox runtime has not answered for ${silentMs} ms` };
    await this.consumer.pause(stalled.error);
    return stalled;
  }

  private async ask(): Promise<RuntimeHealth> {
    const health = await this.runtime.health();
    this.last = health;
    if (health.ok) this.consumer.resume();
    else await this.consumer.pause(health.error ?? 'the sandbox runtime cannot make sandboxes');
    return health;
  }
}
