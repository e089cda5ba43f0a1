import { BeforeApplicationShutdown } from '@nestjs/common';
import { SandboxBody, SandboxKilledError, SandboxLease, SandboxOwner } from './sandbox-lease';

/** How long a killed owner is remembered, so a sandbox asked for after the kill is refused. */
const KILLED_OWNER_MEMORY_MS = 10 * 60_000;

/** The cgroup limits of a sandbox (the program's time and output limits travel with each run). */
export interface SandboxLimits {
  memoryMb: number;
  cpus: number;
  processes: number;
}

export interface SandboxRequest {
  owner: SandboxOwner;
  image: string;
  limits: SandboxLimits;
  /**
   * The sandbox is the owner's for good (a session, held across requests):
   * given back, it is removed, never reused for another owner; meanwhile no
   * pool counts on it coming back.
   */
  dedicated?: boolean;
}

/** Whether the runtime can make sandboxes now (the worker takes no tasks while it cannot). */
export interface RuntimeHealth {
  ok: boolean;
  error?: string;
}

/** Thrown by lease() once the runtime has been drained (the worker is stopping). */
export class SandboxRuntimeClosedError extends Error {}

/**
 * The worker's sandboxes as the task runners see them, whatever makes them:
 * one adapter per sandbox.mode, chosen once at start-up (runtime-choice.ts),
 * or a scripted one in tests (scripted/). The rules every adapter keeps are
 * one contract suite, run against each (test/support/runtime-contract.ts):
 *
 * - a lease is one sandbox for one owner (a job's task; a session is an owner
 *   too), for as many runs as the owner makes, until it is released; no one
 *   else gets that sandbox meanwhile, and nothing of one lease is visible to
 *   the next; a dedicated lease's sandbox never serves anyone else at all;
 * - killOwner() kills every sandbox of the owner at once and refuses it new
 *   ones for a while (a cancel that overtakes a task);
 * - windDown() when the worker stops taking tasks, drain() after the last
 *   one: nothing is left.
 *
 * This class keeps the owner rules; an adapter supplies sandboxes (take,
 * giveBack) and says whether it can (health).
 */
export abstract class SandboxRuntime implements BeforeApplicationShutdown {
  /** The isolation tier, as the worker reports it (`container`, `nested`, `scripted`). */
  abstract readonly tier: string;
  private readonly live = new Map<SandboxLease, SandboxBody>();
  private readonly killedOwners = new Map<string, number>();
  private windingDown = false;
  private drained = false;

  constructor(private readonly killGraceMs: number) {}

  /** A sandbox for the owner, with the request's image and limits, alive. */
  async lease(request: SandboxRequest): Promise<SandboxLease> {
    if (this.drained) throw new SandboxRuntimeClosedError('the worker is stopping: no more sandboxes');
    this.refuseKilledOwner(request.owner.id);
    const body = await this.take(request);
    const lease = new SandboxLease(body, request.owner, this.killGraceMs, request.dedicated ?? false);
    this.live.set(lease, body);
    // A kill may have arrived while the sandbox was being taken.
    if (this.killedOwners.has(request.owner.id)) await lease.kill('cancelled');
    return lease;
  }

  /** Takes the sandbox back (the adapter removes it, or keeps it for another owner when the lease ended cleanly). */
  release(lease: SandboxLease): void {
    const body = this.live.get(lease);
    if (!body) return;
    this.live.delete(lease);
    const reusable = lease.reusable && !this.windingDown;
    lease.end();
    this.giveBack(body, reusable);
  }

  /** Kills every sandbox of the owner (cancellation, cleanup) and refuses it new ones. */
  async killOwner(ownerId: string): Promise<number> {
    this.rememberKilled(ownerId);
    const victims = [...this.live.keys()].filter((lease) => lease.owner.id === ownerId);
    await Promise.all(victims.map((lease) => lease.kill('cancelled')));
    return victims.length;
  }

  /**
   * Kills every sandbox now (a shutdown past its grace period): their tasks
   * fail as Kiln's failures and BullMQ hands them to another worker.
   */
  async killAll(reason: string): Promise<number> {
    const victims = [...this.live.keys()];
    await Promise.all(victims.map((lease) => lease.kill(reason)));
    return victims.length;
  }

  /** The worker takes no more tasks: nothing is prepared ahead or kept for reuse any more; leases are still served. */
  windDown(): void {
    if (this.windingDown) return;
    this.windingDown = true;
    this.stopPreparing();
  }

  /** After the last task: no more leases, and every sandbox not leased is gone when this resolves. */
  async drain(): Promise<void> {
    this.windDown();
    this.drained = true;
    await this.removeIdle();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  abstract health(): Promise<RuntimeHealth>;

  /** What programs of this image run on: equal identities, equal outcomes (the compile cache's key). */
  abstract imageIdentity(image: string): Promise<string>;

  /** A live sandbox for the request (the adapter names it after its owner). */
  protected abstract take(request: SandboxRequest): Promise<SandboxBody>;

  /** The lease ended; `reusable`: it ended cleanly, so the sandbox may serve another owner if the adapter reuses. */
  protected abstract giveBack(body: SandboxBody, reusable: boolean): void;

  /** No more sandboxes started ahead of demand. */
  protected abstract stopPreparing(): void;

  /** Removes every sandbox nobody holds; resolves once they are gone. */
  protected abstract removeIdle(): Promise<void>;

  private rememberKilled(ownerId: string): void {
    const now = Date.now();
    for (const [id, expiry] of this.killedOwners) if (expiry < now) this.killedOwners.delete(id);
    this.killedOwners.set(ownerId, now + KILLED_OWNER_MEMORY_MS);
  }

  private refuseKilledOwner(ownerId: string): void {
    if ((this.killedOwners.get(ownerId) ?? 0) > Date.now()) throw new SandboxKilledError(`job ${ownerId} was stopped`);
  }
}
