import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ContainerCreateOptions } from 'dockerode';
import { randomBytes } from 'node:crypto';
import { KilnConfig } from '@kiln/config';
import { LanguageRegistry } from '@kiln/tasks';
import { WorkerMetrics } from '../../metrics/worker-metrics';
import { SandboxLimits } from '../sandbox-runtime';
import { ContainerLauncher } from './container-launcher';
import { limitUpdate, poolKey } from './pool-key';
import { PoolDemand } from './pool-demand';
import { POOL_POLICY, PoolPolicy } from './pool-policy';
import { PoolShelf, sameLimits } from './pool-shelf';
import { PooledContainer } from './pooled-container';
import { WarmContainer } from './warm-container';

/** A container lent from the shelf must answer a ping this fast. */
const PING_TIMEOUT_MS = 1000;
/** After a failed launch, refills of that pool pause this long. */
const LAUNCH_FAILURE_BACKOFF_MS = 5000;
const MAINTAIN_INTERVAL_MS = 1000;
/** Dead containers tolerated in one acquire before it gives up. */
const MAX_ACQUIRE_ATTEMPTS = 4;
/**
 * A shelf is under pressure when, besides the claim at hand, it had more
 * claims in this last moment than it has containers ready: at that pace the
 * next claim finds it empty, sooner than a refill started after the task
 * could arrive (a container start takes ≈ 100 ms on an idle engine, several
 * times that on a busy one: docs/performance.md).
 */
export const PRESSURE_WINDOW_MS = 1000;
/**
 * Engine calls after a task (removing its container, starting the refill)
 * wait this long: the task's answer is still on its way out, and building
 * and sending those requests would hold it up (measured: scripts/bench-path.mjs).
 */
export const AFTER_TASK_DELAY_MS = 30;

export interface PoolRequest {
  image: string;
  limits: SandboxLimits;
  /** The container leaves the pool for good: the pool neither waits for it nor takes it back for another task. */
  dedicated?: boolean;
}

/** What the pool needs of the launcher (container-launcher.ts; a fake in the pool's unit test). */
export interface PoolLauncher<T extends PooledContainer> {
  optionsFor(image: string, limits: SandboxLimits): ContainerCreateOptions;
  launch(options: ContainerCreateOptions, limits: SandboxLimits): Promise<T>;
  /** Removes it in the background (once, however often asked). */
  remove(container: T): Promise<void>;
  containerName(...parts: string[]): string;
}

/**
 * Per worker, started sandbox containers ready for the next task of each
 * image, so a task's path holds no container start. Pools are sized by
 * demand (sandbox.pool), refilled in the background, and drained at shutdown.
 *
 * The tier's policy (pool-policy.ts) says whether a container comes back:
 * container mode lends one once and removes it after its task (never back on
 * the shelf, so never given to a second job); nested mode takes an outer
 * container back after a clean task, and it serves the next one in a fresh
 * nested sandbox.
 *
 * A container is lent out only after its agent answered a ping; one that died
 * on the shelf (killed or removed behind Kiln's back) is dropped as soon as
 * its stream ends, and replaced.
 */
@Injectable()
export class ContainerPool<T extends PooledContainer = WarmContainer> implements OnApplicationBootstrap {
  private readonly logger = new Logger(ContainerPool.name);
  private readonly shelves = new Map<string, PoolShelf<T>>();
  private readonly shelfOf = new Map<T, PoolShelf<T>>();
  /** Lent for good (a dedicated lease): in use, but no shelf's any more. */
  private readonly dedicated = new Set<T>();
  private readonly launches = new Set<Promise<void>>();
  /** What releases left for AFTER_TASK_DELAY_MS later (drain does it at once). */
  private readonly afterTask = new Map<NodeJS.Timeout, () => void>();
  private timer?: NodeJS.Timeout;
  private closing = false;

  constructor(
    private readonly config: KilnConfig,
    @Inject(ContainerLauncher) private readonly launcher: PoolLauncher<T>,
    private readonly languages: LanguageRegistry,
    private readonly metrics: WorkerMetrics,
    @Inject(POOL_POLICY) private readonly policy: PoolPolicy,
  ) {}

  onApplicationBootstrap(): void {
    const { defaults } = this.config.limits;
    for (const id of this.config.sandbox.pool.warm) {
      const language = this.languages.resolve(id);
      if (!language) throw new Error(`sandbox.pool.warm: unknown language ${JSON.stringify(id)}`);
      const image = language.image;
      const limits = { memoryMb: defaults.memoryMb, cpus: defaults.cpus, processes: defaults.processes };
      this.shelfFor({ image, limits }).shelf.warm = true;
    }
    this.maintainAll();
    this.timer = setInterval(() => this.maintainAll(), MAINTAIN_INTERVAL_MS);
    this.timer.unref();
  }

  /** First step of shutdown: no more refills, nothing kept for another task; acquire() still serves. */
  close(): void {
    this.closing = true;
    clearInterval(this.timer);
  }

  /** After the last task, before the launcher's final sweep: remove every container on the shelves. */
  async drain(): Promise<void> {
    this.close();
    for (const [timer, action] of this.afterTask) {
      clearTimeout(timer);
      action();
    }
    this.afterTask.clear();
    // A task still waiting now was given up (its worker is stopping): no start is made for it any more.
    for (const shelf of this.shelves.values()) {
      for (const waiter of shelf.waiters.splice(0)) waiter.reject(new Error('the worker is shutting down'));
    }
    // A start that ends delivers its container to the shelf: wait for every one, then clear the shelves.
    while (this.launches.size > 0) await Promise.allSettled([...this.launches]);
    for (const shelf of this.shelves.values()) {
      for (const warm of [...shelf.ready, ...shelf.resting]) this.discard(shelf, warm);
    }
  }

  /**
   * A started container with the request's limits, alive: one from the shelf
   * just answered a ping (it may have been frozen, killed or restarted while
   * it waited there); one handed over to this waiting task at its hello (just
   * started, or its next nested sandbox just up) has just said so itself, and
   * nothing was sent to it since.
   */
  async acquire(request: PoolRequest): Promise<T> {
    const { shelf, options } = this.shelfFor(request);
    shelf.demand.record(Date.now());
    for (let attempt = 1; ; attempt++) {
      const ready = shelf.takeReady(request.limits);
      this.metrics.poolCheckouts.inc({ image: request.image, result: ready ? 'hit' : 'miss' });
      if (ready) {
        shelf.leased.add(ready);
        this.refillUnderPressure(shelf);
      }
      const warm = ready ?? (await this.waitForLaunch(shelf));
      shelf.leased.add(warm);
      if (await this.prepare(warm, options, request.limits, ready !== undefined)) {
        if (request.dedicated) this.dedicate(shelf, warm);
        return warm;
      }
      this.discard(shelf, warm);
      if (attempt >= MAX_ACQUIRE_ATTEMPTS) throw new Error(`no live sandbox container of ${request.image} after ${attempt} tries`);
    }
  }

  /**
   * Takes back a lent container: kept for the next task when the one it
   * served ended cleanly and the tier's policy reuses it, else removed.
   */
  release(warm: T, reusable: boolean): void {
    const shelf = this.shelfOf.get(warm);
    if (!shelf) {
      void this.launcher.remove(warm);
      return;
    }
    shelf.leased.delete(warm);
    warm.tasksServed++;
    const keep = this.keepsForNextTask(shelf, warm, reusable);
    if (keep) this.rest(shelf, warm);
    else this.forget(shelf, warm);
    this.afterThisTask(() => {
      if (!keep) void this.launcher.remove(warm);
      this.maintain(shelf);
    });
  }

  /** Ids of the containers lent out (dedicated ones too), or resting between two tasks: the orphan reaper never takes them. */
  inUseIds(): Set<string> {
    const shelves = [...this.shelves.values()];
    const inUse = [...this.dedicated, ...shelves.flatMap((shelf) => [...shelf.leased, ...shelf.resting])];
    return new Set(inUse.map((warm) => warm.id));
  }

  /** Ids of the ready containers of an image (tests, diagnostics). */
  readyIds(image: string): string[] {
    return [...this.shelves.values()].filter((s) => s.image === image).flatMap((s) => s.ready.map((warm) => warm.id));
  }

  /** Off the shelf for good: the shelf no longer counts it as lent (it will not come back to a waiter). */
  private dedicate(shelf: PoolShelf<T>, warm: T): void {
    shelf.leased.delete(warm);
    this.dedicated.add(warm);
  }

  private afterThisTask(action: () => void): void {
    const timer = setTimeout(() => {
      this.afterTask.delete(timer);
      action();
    }, AFTER_TASK_DELAY_MS);
    this.afterTask.set(timer, action);
  }

  private shelfFor(request: PoolRequest): { shelf: PoolShelf<T>; options: ContainerCreateOptions } {
    const options = this.launcher.optionsFor(request.image, request.limits);
    const key = poolKey(options);
    let shelf = this.shelves.get(key);
    if (!shelf) {
      shelf = new PoolShelf<T>(key, request.image, { options, limits: request.limits }, new PoolDemand(this.config.sandbox.pool.demandWindowMs));
      this.shelves.set(key, shelf);
    }
    shelf.template = { options, limits: request.limits };
    return { shelf, options };
  }

  /**
   * Refills are driven by demand. An occasional claim leaves the refill to
   * the task's release (or the periodic check), so no container start
   * competes with the task for the CPU. Claims back to back would empty the
   * shelf before that: under pressure the refill starts at the claim, up to
   * the shelf's target and sandbox.pool.launchConcurrency starts at once, so
   * the next tasks find containers started while the engine keeps up.
   */
  private refillUnderPressure(shelf: PoolShelf<T>): void {
    const otherClaims = shelf.demand.lately(Date.now(), PRESSURE_WINDOW_MS) - 1;
    if (otherClaims > shelf.ready.length) this.maintain(shelf);
  }

  /** The next container delivered: a new one, or one coming back from its last task. */
  private waitForLaunch(shelf: PoolShelf<T>): Promise<T> {
    const promise = new Promise<T>((resolve, reject) => shelf.waiters.push({ resolve, reject }));
    this.supplyWaiters(shelf);
    this.refillUnderPressure(shelf);
    return promise;
  }

  /** Every waiter has a container on its way: starting, or (the policy says) coming back. */
  private supplyWaiters(shelf: PoolShelf<T>): void {
    while (shelf.launching + this.policy.returning(shelf) < shelf.waiters.length) this.launch(shelf);
  }

  /** Alive (a ping, for one from the shelf) and with the task's limits (update API), both at once. */
  private async prepare(warm: T, options: ContainerCreateOptions, limits: SandboxLimits, fromShelf: boolean): Promise<boolean> {
    const update = sameLimits(warm.limits, limits) ? null : this.metrics.timed('update', () => warm.updateLimits(limitUpdate(options)));
    try {
      await Promise.all([fromShelf ? warm.ping(PING_TIMEOUT_MS) : null, update]);
    } catch (error) {
      this.logger.warn(`sandbox ${warm.id.slice(0, 12)} is not usable, replacing it: ${(error as Error).message}`);
      return false;
    }
    warm.limits = limits;
    return true;
  }

  private launch(shelf: PoolShelf<T>): void {
    const { options, limits } = shelf.template;
    shelf.launching++;
    const launch = this.launcher
      .launch(options, limits)
      .then(
        (warm) => this.deliver(shelf, warm),
        (error: Error) => this.launchFailed(shelf, error),
      )
      .finally(() => {
        shelf.launching--;
        this.launches.delete(launch);
        this.maintain(shelf);
      });
    this.launches.add(launch);
  }

  /** A new (or rested) container goes to the longest waiter, else on the shelf. */
  private deliver(shelf: PoolShelf<T>, warm: T): void {
    if (!this.shelfOf.has(warm)) {
      this.shelfOf.set(warm, shelf);
      warm.onGone(() => this.evict(shelf, warm));
    }
    const waiter = shelf.waiters.shift();
    if (waiter) waiter.resolve(warm);
    else if (this.closing || !warm.alive) this.discard(shelf, warm);
    else shelf.ready.push(warm);
  }

  private launchFailed(shelf: PoolShelf<T>, error: Error): void {
    shelf.pausedUntil = Date.now() + LAUNCH_FAILURE_BACKOFF_MS;
    const waiter = shelf.waiters.shift();
    if (waiter) waiter.reject(error);
    else this.logger.warn(`could not start a sandbox container of ${shelf.image}: ${error.message}`);
  }

  private keepsForNextTask(shelf: PoolShelf<T>, warm: T, reusable: boolean): boolean {
    if (!reusable || this.closing || !warm.alive || this.dedicated.has(warm) || !this.policy.mayServeAgain(warm, Date.now())) return false;
    return this.owned(shelf) < this.target(shelf) || shelf.waiters.length > 0;
  }

  /** Back from a clean task: named ready again, and on the shelf once the policy made it ready for the next. */
  private rest(shelf: PoolShelf<T>, warm: T): void {
    shelf.resting.add(warm);
    warm.nameReady(this.launcher.containerName('ready', randomBytes(6).toString('hex')));
    this.policy.renew(warm).then(
      () => {
        shelf.resting.delete(warm);
        this.deliver(shelf, warm);
      },
      () => {
        this.discard(shelf, warm);
        this.maintain(shelf);
      },
    );
  }

  /** Its stream ended: killed, removed or restarted outside Kiln, or the agent died. */
  private evict(shelf: PoolShelf<T>, warm: T): void {
    const index = shelf.ready.indexOf(warm);
    if (index < 0) return; // lent out: the task notices and releases it
    shelf.ready.splice(index, 1);
    this.discard(shelf, warm);
    this.maintain(shelf);
  }

  private discard(shelf: PoolShelf<T>, warm: T): void {
    this.forget(shelf, warm);
    void this.launcher.remove(warm);
  }

  /** No longer the pool's: in no state, and its end of stream no longer matters. */
  private forget(shelf: PoolShelf<T>, warm: T): void {
    shelf.forget(warm);
    this.dedicated.delete(warm);
    this.shelfOf.delete(warm);
  }

  /** How many containers the shelf should own now: demand, up to the policy's capacity. */
  private target(shelf: PoolShelf<T>): number {
    return shelf.target(this.policy.capacity(this.config.sandbox.pool.size), Date.now());
  }

  private owned(shelf: PoolShelf<T>): number {
    return this.policy.owned(shelf);
  }

  private maintainAll(): void {
    for (const shelf of this.shelves.values()) this.maintain(shelf);
    const ready = new Map<string, number>();
    for (const shelf of this.shelves.values()) ready.set(shelf.image, (ready.get(shelf.image) ?? 0) + shelf.ready.length);
    for (const [image, count] of ready) this.metrics.poolReady.set({ image }, count);
  }

  /** Drops idle and surplus containers, then starts refills up to the target. */
  private maintain(shelf: PoolShelf<T>): void {
    this.supplyWaiters(shelf);
    if (this.closing) return;
    const now = Date.now();
    const { maxIdleMs, launchConcurrency } = this.config.sandbox.pool;
    for (const warm of shelf.ready.filter((w) => now - w.startedAt > maxIdleMs)) this.discard(shelf, warm);
    const target = this.target(shelf);
    while (shelf.ready.length > 0 && this.owned(shelf) > target) this.discard(shelf, shelf.ready[0]);
    while (this.owned(shelf) < target && this.launches.size < launchConcurrency && now >= shelf.pausedUntil) this.launch(shelf);
  }
}
