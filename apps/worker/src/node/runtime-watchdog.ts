import { Injectable } from '@nestjs/common';
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
  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly consumer: TaskQueueConsumer,
  ) {}

  async check(): Promise<RuntimeHealth> {
    const health = await this.runtime.health();
    if (health.ok) this.consumer.resume();
    else await this.consumer.pause(health.error ?? 'the sandbox runtime cannot make sandboxes');
    return health;
  }
}
