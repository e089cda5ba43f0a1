import { SandboxLimits } from '../sandbox-runtime';

/**
 * What the pool needs of a started container (warm-container.ts in
 * production; plain objects in the pool's unit test).
 */
export interface PooledContainer {
  readonly id: string;
  readonly startedAt: number;
  /** The cgroup limits it has now. */
  limits: SandboxLimits;
  /** Tasks it has served. */
  tasksServed: number;
  readonly alive: boolean;
  /** Resolves when its agent echoes a ping within the time: alive and in sync. */
  ping(timeoutMs: number): Promise<void>;
  /** Sets its cgroup limits (the engine's update API). */
  updateLimits(update: Record<string, number>): Promise<void>;
  /**
   * Names it ready again after a task (off the task's path; a failure does
   * not matter); one that was never named after that task's owner keeps its
   * ready name, and nothing is asked of the engine.
   */
  nameReady(name: string): void;
  /**
   * Ends the agent's current sandbox and resolves at the next one's hello
   * (an agent that supervises nested sandboxes starts the next at once);
   * rejects when none says hello within the time.
   */
  renewSandbox(timeoutMs: number): Promise<void>;
  /** Called once, when it dies (killed, removed or restarted outside Kiln, its agent gone). */
  onGone(listener: () => void): void;
}
