import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { KilnConfig } from '@kiln/config';
import { ContainerLauncher } from './container-launcher';
import { ContainerPool } from './container-pool';
import { SandboxSpec } from './container-spec';
import { Sandbox, SandboxKilledError } from './sandbox';

/** How long a cancelled job is remembered, so a task that starts after the cancel is refused. */
const CANCELLED_MEMORY_MS = 10 * 60_000;

export type SandboxRequest = Omit<SandboxSpec, 'labels'> & { jobId: string; taskId: string };

/**
 * Lends sandboxes to tasks: takes a started container from the pool, names
 * it after the job and task it serves, and tracks it until the task gives it
 * back, so a cancelled job's sandboxes can be killed.
 */
@Injectable()
export class SandboxFactory {
  private readonly live = new Map<string, Sandbox>();
  private readonly stoppedJobs = new Map<string, number>();
  /** Sandboxes lent so far, by job (tests and the benchmark read it). */
  private readonly leasesByJob = new Map<string, number>();

  constructor(
    private readonly pool: ContainerPool,
    private readonly launcher: ContainerLauncher,
    private readonly config: KilnConfig,
  ) {}

  async create(request: SandboxRequest): Promise<Sandbox> {
    this.refuseStoppedJob(request.jobId);
    const warm = await this.pool.acquire({ image: request.image, limits: request.limits });
    const sandbox = new Sandbox(warm, request.jobId, this.config.sandbox.killGraceMs);
    this.live.set(sandbox.id, sandbox);
    this.countLease(request.jobId);
    warm.rename(this.launcher.containerName(request.jobId, request.taskId, randomBytes(3).toString('hex')));
    // A cancel may have arrived while the container was being taken.
    if (this.stoppedJobs.has(request.jobId)) await sandbox.kill('cancelled');
    return sandbox;
  }

  /** Gives the sandbox back: removed (default mode) or, after a clean task, kept for the next (nested mode). */
  destroy(sandbox: Sandbox): void {
    if (!this.live.delete(sandbox.id)) return;
    if (sandbox.reusable && this.config.sandbox.mode === 'nested') {
      sandbox.warm.rename(this.launcher.containerName('ready', randomBytes(6).toString('hex')));
    }
    this.pool.release(sandbox.warm, sandbox.reusable);
  }

  /** Kills every sandbox of a job (cancellation, cleanup) and refuses new ones for it. */
  async killJob(jobId: string): Promise<number> {
    this.rememberStopped(jobId);
    const victims = [...this.live.values()].filter((sandbox) => sandbox.jobId === jobId);
    await Promise.all(victims.map((sandbox) => sandbox.kill('cancelled')));
    return victims.length;
  }

  /**
   * Kills every sandbox now (a shutdown past its grace period): their tasks
   * fail as Kiln's failures and BullMQ hands them to another worker.
   */
  async killAll(reason: string): Promise<number> {
    const victims = [...this.live.values()];
    await Promise.all(victims.map((sandbox) => sandbox.kill(reason)));
    return victims.length;
  }

  /** How many sandboxes this worker lent to tasks of the job. */
  leasesOf(jobId: string): number {
    return this.leasesByJob.get(jobId) ?? 0;
  }

  private countLease(jobId: string): void {
    if (this.leasesByJob.size > 10_000) this.leasesByJob.clear();
    this.leasesByJob.set(jobId, (this.leasesByJob.get(jobId) ?? 0) + 1);
  }

  private rememberStopped(jobId: string): void {
    const now = Date.now();
    for (const [id, expiry] of this.stoppedJobs) if (expiry < now) this.stoppedJobs.delete(id);
    this.stoppedJobs.set(jobId, now + CANCELLED_MEMORY_MS);
  }

  private refuseStoppedJob(jobId: string): void {
    if ((this.stoppedJobs.get(jobId) ?? 0) > Date.now()) throw new SandboxKilledError(`job ${jobId} was stopped`);
  }
}
