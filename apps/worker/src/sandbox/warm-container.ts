import type Docker from 'dockerode';
import { AgentSession } from '../agent/agent-session';
import { SandboxLimits } from './container-spec';

/**
 * A started sandbox container whose agent has said hello: what the pool keeps
 * ready and lends out. `limits` are the cgroup limits it has now (the pool
 * changes them with the update API when a task needs others).
 */
export class WarmContainer {
  /** Tasks it has served (nested mode reuses it up to tasksPerContainer). */
  tasksServed = 0;
  readonly startedAt = Date.now();
  private renaming: Promise<unknown> = Promise.resolve();

  constructor(
    readonly container: Docker.Container,
    readonly session: AgentSession,
    readonly image: string,
    public limits: SandboxLimits,
  ) {}

  get id(): string {
    return this.container.id;
  }

  get alive(): boolean {
    return !this.session.isGone;
  }

  /**
   * Names the container after what it serves, so `docker ps` (and the tests)
   * can tell a job's container. Renames run in order, off the task's path;
   * a failure (the container is gone) doesn't matter.
   */
  rename(name: string): void {
    // setImmediate: building the request waits until the task's frames are written.
    const next = () => new Promise<void>((done) => setImmediate(done));
    this.renaming = this.renaming.then(next).then(() => this.container.rename({ name }).catch(() => undefined));
  }
}
