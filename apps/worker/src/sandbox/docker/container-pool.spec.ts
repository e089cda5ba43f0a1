import type { ContainerCreateOptions } from 'dockerode';
import { join } from 'node:path';
import { KilnConfig, loadConfig } from '@kiln/config';
import { LanguageRegistry } from '@kiln/tasks';
import { WorkerMetrics } from '../../metrics/worker-metrics';
import { SingleUsePolicy } from '../container/single-use.policy';
import { NestedReusePolicy } from '../nested/nested-reuse.policy';
import { SandboxLimits } from '../sandbox-runtime';
import { AFTER_TASK_DELAY_MS, ContainerPool, PoolLauncher, PRESSURE_WINDOW_MS } from './container-pool';
import { PoolDemand } from './pool-demand';
import { PoolPolicy } from './pool-policy';
import { PoolShelf } from './pool-shelf';
import { PooledContainer } from './pooled-container';

const ROOT = join(__dirname, '../../../../..');
const PYTHON = 'kiln/python:latest';
const MiB = 1024 * 1024;
const LIMITS: SandboxLimits = { memoryMb: 256, cpus: 1, processes: 64 };

/** A started container as the pool sees it; the test decides whether it answers, renews and lives. */
class FakeContainer implements PooledContainer {
  readonly startedAt = Date.now();
  tasksServed = 0;
  alive = true;
  answersPing = true;
  pings = 0;
  renews = true;
  readonly names: string[] = [];
  readonly updates: Record<string, number>[] = [];
  private gone?: () => void;

  constructor(
    readonly id: string,
    public limits: SandboxLimits,
  ) {}

  ping(): Promise<void> {
    this.pings++;
    return this.answersPing ? Promise.resolve() : Promise.reject(new Error('the agent did not answer a ping'));
  }

  async updateLimits(update: Record<string, number>): Promise<void> {
    this.updates.push(update);
  }

  nameReady(name: string): void {
    this.names.push(name);
  }

  renewSandbox(): Promise<void> {
    return this.renews ? Promise.resolve() : Promise.reject(new Error('the next sandbox did not start'));
  }

  onGone(listener: () => void): void {
    this.gone = listener;
  }

  /** Killed behind the pool's back: its stream ends. */
  die(): void {
    this.alive = false;
    this.gone?.();
  }
}

/** A container start takes this long (fake time): each start ends in a callback of its own, as an engine's answer does. */
const START_MS = 10;

/** Starts fake containers (or fails to), and records what it started and removed. */
class FakeLauncher implements PoolLauncher<FakeContainer> {
  readonly started: FakeContainer[] = [];
  readonly removed: string[] = [];
  /** Starts asked for, ended or not. */
  asked = 0;
  /** Set by a test: what the next launches do. */
  failWith: Error | null = null;
  answersPing = true;

  optionsFor(image: string, limits: SandboxLimits): ContainerCreateOptions {
    const memory = limits.memoryMb * MiB;
    return { Image: image, HostConfig: { Memory: memory, MemorySwap: memory, NanoCpus: limits.cpus * 1e9, PidsLimit: limits.processes + 1 } };
  }

  async launch(_options: ContainerCreateOptions, limits: SandboxLimits): Promise<FakeContainer> {
    this.asked++;
    const failure = this.failWith;
    await new Promise((resolve) => setTimeout(resolve, START_MS));
    if (failure) throw failure;
    const container = new FakeContainer(`c${this.started.length + 1}`, limits);
    container.answersPing = this.answersPing;
    this.started.push(container);
    return container;
  }

  async remove(container: FakeContainer): Promise<void> {
    if (!this.removed.includes(container.id)) this.removed.push(container.id);
  }

  containerName(...parts: string[]): string {
    return ['kiln', 'test', ...parts].join('-');
  }
}

interface Setup {
  pool: ContainerPool<FakeContainer>;
  launcher: FakeLauncher;
  metrics: WorkerMetrics;
  config: KilnConfig;
}

function setUp(env: Record<string, string>, policyOf: (config: KilnConfig) => PoolPolicy): Setup {
  const { config, languages } = loadConfig({ KILN_HOME: ROOT, ...env });
  const launcher = new FakeLauncher();
  const metrics = new WorkerMetrics();
  const pool = new ContainerPool<FakeContainer>(config, launcher, languages as LanguageRegistry, metrics, policyOf(config));
  return { pool, launcher, metrics, config };
}

/** Lets every timer due within `ms` fire, and the promises they settle. */
const pass = (ms: number) => jest.advanceTimersByTimeAsync(ms);
/** Until the starts under way now have ended. */
const started = () => pass(START_MS);
const afterTask = () => pass(AFTER_TASK_DELAY_MS);
/** pool.acquire, with the fake time a start takes let pass. */
async function lease(pool: ContainerPool<FakeContainer>, limits = LIMITS, dedicated = false): Promise<FakeContainer> {
  const lent = pool.acquire({ image: PYTHON, limits, dedicated });
  await started();
  return lent;
}
/** The error an acquire ends with, letting `ms` of fake time pass first. */
async function failure(pool: ContainerPool<FakeContainer>, ms: number): Promise<Error | null> {
  const attempt = pool.acquire({ image: PYTHON, limits: LIMITS }).then(() => null, (error: Error) => error);
  await pass(ms);
  return attempt;
}
const checkouts = async (metrics: WorkerMetrics, result: 'hit' | 'miss') => {
  const { values } = await metrics.poolCheckouts.get();
  return values.find((v) => v.labels.result === result)?.value ?? 0;
};

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

describe('ContainerPool, container mode (single use)', () => {
  const containerMode = (env: Record<string, string> = {}) => setUp(env, () => new SingleUsePolicy());

  it('keeps a warm language full from start-up and lends a ready container without starting one on the task’s path', async () => {
    const { pool, launcher, metrics } = containerMode({ KILN_SANDBOX__POOL__WARM: 'python', KILN_SANDBOX__POOL__SIZE: '2' });
    pool.onApplicationBootstrap();
    await started();
    expect(pool.readyIds(PYTHON)).toEqual(['c1', 'c2']);
    const lent = await lease(pool);
    expect(lent.id).toBe('c1');
    expect(launcher.started).toHaveLength(2);
    expect(await checkouts(metrics, 'hit')).toBe(1);
    pool.release(lent, true);
    expect(launcher.removed).toEqual([]);
    await afterTask();
    expect(launcher.removed).toEqual(['c1']);
    await started();
    expect(pool.readyIds(PYTHON)).toEqual(['c2', 'c3']);
  });

  it('never lends a container twice, even after a clean task', async () => {
    const { pool, launcher } = containerMode({ KILN_SANDBOX__POOL__WARM: 'python', KILN_SANDBOX__POOL__SIZE: '1' });
    pool.onApplicationBootstrap();
    await started();
    const ids: string[] = [];
    for (let task = 0; task < 3; task++) {
      const lent = await lease(pool);
      ids.push(lent.id);
      pool.release(lent, true);
      await afterTask();
    }
    expect(new Set(ids).size).toBe(3);
    expect(launcher.removed).toEqual(ids);
  });

  it('starts a container for a task that finds its shelf empty, and sizes the shelf by demand', async () => {
    const { pool, launcher, metrics } = containerMode({ KILN_SANDBOX__POOL__SIZE: '3', KILN_SANDBOX__POOL__DEMAND_WINDOW_MS: '5000' });
    pool.onApplicationBootstrap();
    await started();
    expect(launcher.started).toEqual([]);
    const first = await lease(pool);
    expect(await checkouts(metrics, 'miss')).toBe(1);
    pool.release(first, true);
    await afterTask();
    // One claim in the window: one ready container.
    expect(pool.readyIds(PYTHON)).toHaveLength(1);
    // No claim in the window any more: the shelf drains to nothing.
    await pass(6000);
    expect(pool.readyIds(PYTHON)).toEqual([]);
    expect(launcher.removed).toEqual(['c1', 'c2']);
  });

  it('sets other limits with the update API before it lends a container, and leaves equal ones alone', async () => {
    const { pool, launcher } = containerMode({ KILN_SANDBOX__POOL__WARM: 'python', KILN_SANDBOX__POOL__SIZE: '2' });
    pool.onApplicationBootstrap();
    await started();
    const same = await lease(pool);
    expect(same.updates).toEqual([]);
    const small = { memoryMb: 64, cpus: 0.5, processes: 16 };
    const other = await lease(pool, small);
    expect(other.updates).toEqual([{ Memory: 64 * MiB, MemorySwap: 64 * MiB, NanoCpus: 0.5e9, PidsLimit: 17 }]);
    expect(other.limits).toEqual(small);
    // Both were started ahead: none was started for the task that got it.
    expect([same.id, other.id]).toEqual([launcher.started[0].id, launcher.started[1].id]);
  });

  it('drops a container that dies on the shelf at once, and starts another', async () => {
    const { pool, launcher } = containerMode({ KILN_SANDBOX__POOL__WARM: 'python', KILN_SANDBOX__POOL__SIZE: '1' });
    pool.onApplicationBootstrap();
    await started();
    launcher.started[0].die();
    expect(launcher.removed).toEqual(['c1']);
    await started();
    expect(pool.readyIds(PYTHON)).toEqual(['c2']);
  });

  it('never lends a container from the shelf that does not answer its ping; after four such, the acquire fails', async () => {
    const { pool, launcher } = containerMode({ KILN_SANDBOX__POOL__WARM: 'python', KILN_SANDBOX__POOL__SIZE: '4', KILN_SANDBOX__POOL__LAUNCH_CONCURRENCY: '4' });
    launcher.answersPing = false;
    pool.onApplicationBootstrap();
    await started();
    expect(pool.readyIds(PYTHON)).toEqual(['c1', 'c2', 'c3', 'c4']);
    pool.close(); // no refill: the four on the shelf are all there is
    expect((await failure(pool, START_MS))?.message).toBe(`no live sandbox container of ${PYTHON} after 4 tries`);
    expect(launcher.removed).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(launcher.started.map((container) => container.pings)).toEqual([1, 1, 1, 1]);
  });

  it('lends a container handed to the waiting task at its hello without a ping: nothing was sent to it since', async () => {
    const { pool, launcher } = containerMode({ KILN_SANDBOX__POOL__SIZE: '0' });
    const lent = await lease(pool);
    expect(lent.id).toBe('c1');
    expect(lent.pings).toBe(0);
    expect(launcher.started).toHaveLength(1);
  });

  it('fails the waiting task when a start fails, and pauses that shelf’s refills for 5 s', async () => {
    const { pool, launcher } = containerMode({ KILN_SANDBOX__POOL__WARM: 'python', KILN_SANDBOX__POOL__SIZE: '1' });
    launcher.failWith = new Error('runtime image kiln/python:latest is not present');
    expect((await failure(pool, START_MS))?.message).toMatch('is not present');
    launcher.failWith = null;
    pool.onApplicationBootstrap();
    await pass(4000);
    expect(launcher.started).toEqual([]);
    await pass(1500);
    expect(pool.readyIds(PYTHON)).toEqual(['c1']);
  });

  it('starts at most sandbox.pool.launchConcurrency containers at once', async () => {
    const { pool, launcher } = containerMode({ KILN_SANDBOX__POOL__WARM: 'python', KILN_SANDBOX__POOL__SIZE: '4', KILN_SANDBOX__POOL__LAUNCH_CONCURRENCY: '1' });
    let inFlight = 0;
    let most = 0;
    const launch = launcher.launch.bind(launcher);
    launcher.launch = async (options, limits) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 100));
      inFlight--;
      return launch(options, limits);
    };
    pool.onApplicationBootstrap();
    await pass(1000);
    expect(pool.readyIds(PYTHON)).toHaveLength(4);
    expect(most).toBe(1);
  });

  it('refills after the task for an occasional claim, at the claim itself when claims come back to back', async () => {
    const { pool, launcher } = containerMode({ KILN_SANDBOX__POOL__WARM: 'python', KILN_SANDBOX__POOL__SIZE: '4', KILN_SANDBOX__POOL__LAUNCH_CONCURRENCY: '4' });
    const claim = () => pool.acquire({ image: PYTHON, limits: LIMITS });
    pool.onApplicationBootstrap();
    await started();
    expect(launcher.asked).toBe(4);
    // One claim, three ready left: no start competes with the task; its release refills.
    const first = await claim();
    expect(launcher.asked).toBe(4);
    pool.release(first, true);
    await afterTask();
    expect(launcher.asked).toBe(5);
    await pass(PRESSURE_WINDOW_MS);
    // Three claims within a second: at the third (two others, one ready left) that pace would
    // empty the shelf before a refill after the task arrived; the claim starts the replacements at once.
    await claim();
    await claim();
    expect(launcher.asked).toBe(5);
    await claim();
    expect(launcher.asked).toBe(8);
    await started();
    expect(pool.readyIds(PYTHON)).toHaveLength(4);
    expect(launcher.removed).toEqual(['c1']);
  });

  it('a single claim that finds the shelf empty starts only its own container; the refill follows that start, not beside it', async () => {
    const { pool, launcher } = containerMode({ KILN_SANDBOX__POOL__SIZE: '2' });
    const lent = pool.acquire({ image: PYTHON, limits: LIMITS });
    await pass(0);
    expect(launcher.asked).toBe(1);
    await started();
    await lent;
    expect(launcher.asked).toBe(2);
  });

  it('under pressure gives each waiting task a start of its own, and refills the shelf at most sandbox.pool.launchConcurrency at once', async () => {
    const { pool, launcher } = containerMode({ KILN_SANDBOX__POOL__SIZE: '8', KILN_SANDBOX__POOL__LAUNCH_CONCURRENCY: '2' });
    let inFlight = 0;
    let most = 0;
    const launch = launcher.launch.bind(launcher);
    launcher.launch = async (options, limits) => {
      most = Math.max(most, ++inFlight);
      return launch(options, limits).finally(() => inFlight--);
    };
    const leases = [0, 1, 2].map(() => pool.acquire({ image: PYTHON, limits: LIMITS }));
    await pass(0);
    // Three tasks wait: one start each, none beyond (the shelf's refill waits for a launch slot).
    expect(launcher.asked).toBe(3);
    await started();
    expect((await Promise.all(leases)).map((lent) => lent.id)).toEqual(['c1', 'c2', 'c3']);
    // Then the shelf fills to its demand (three claims), never more than two starts at a time.
    most = 0;
    await pass(10 * START_MS);
    expect([launcher.asked, pool.readyIds(PYTHON).length, most]).toEqual([6, 3, 2]);
  });

  it('replaces a ready container idle past sandbox.pool.maxIdleMs', async () => {
    const { pool, launcher } = containerMode({ KILN_SANDBOX__POOL__WARM: 'python', KILN_SANDBOX__POOL__SIZE: '1', KILN_SANDBOX__POOL__MAX_IDLE_MS: '10000' });
    pool.onApplicationBootstrap();
    await started();
    await pass(11_000);
    expect(launcher.removed).toEqual(['c1']);
    expect(pool.readyIds(PYTHON)).toEqual(['c2']);
  });

  it('counts lent containers as in use (the reaper spares them), ready ones not', async () => {
    const { pool } = containerMode({ KILN_SANDBOX__POOL__WARM: 'python', KILN_SANDBOX__POOL__SIZE: '2' });
    pool.onApplicationBootstrap();
    await started();
    const lent = await lease(pool);
    expect([...pool.inUseIds()]).toEqual([lent.id]);
    pool.release(lent, true);
    expect([...pool.inUseIds()]).toEqual([]);
  });

  it('after close: no refill; a lease is still served; drain removes every container on the shelves', async () => {
    const { pool, launcher } = containerMode({ KILN_SANDBOX__POOL__WARM: 'python', KILN_SANDBOX__POOL__SIZE: '2' });
    pool.onApplicationBootstrap();
    await started();
    pool.close();
    const lent = await lease(pool);
    pool.release(lent, true);
    await pass(5000);
    expect(launcher.started).toHaveLength(2);
    expect(pool.readyIds(PYTHON)).toEqual(['c2']);
    await pool.drain();
    expect(pool.readyIds(PYTHON)).toEqual([]);
    expect(launcher.removed.sort()).toEqual(['c1', 'c2']);
  });

  it('drain during a start a task still waits for: the task is refused, the container started is removed, no start follows', async () => {
    const { pool, launcher } = containerMode({ KILN_SANDBOX__POOL__SIZE: '0' });
    const waiting = pool.acquire({ image: PYTHON, limits: LIMITS }).then(() => null, (error: Error) => error);
    expect(launcher.asked).toBe(1);
    const drained = pool.drain();
    await started();
    await drained;
    expect((await waiting)?.message).toMatch(/shutting down/);
    expect(launcher.started.map((c) => c.id)).toEqual(['c1']);
    expect(launcher.removed).toEqual(['c1']);
    await pass(5000);
    expect(launcher.asked).toBe(1);
  });

  it('drain does at once what a release left for after the task: the released container is removed', async () => {
    const { pool, launcher } = containerMode({ KILN_SANDBOX__POOL__SIZE: '0' });
    const lent = await lease(pool);
    pool.release(lent, true);
    await pool.drain();
    expect(launcher.removed).toEqual([lent.id]);
  });
});

describe('ContainerPool, nested mode (outer containers reused)', () => {
  const nestedMode = (env: Record<string, string> = {}) =>
    setUp({ KILN_SANDBOX__MODE: 'nested', KILN_SANDBOX__POOL__SIZE: '1', KILN_WORKER__CONCURRENCY: '1', ...env }, (config) => new NestedReusePolicy(config));

  it('takes a container back after a clean task, names it ready again and lends it again, up to tasksPerContainer tasks', async () => {
    const { pool, launcher } = nestedMode({ KILN_SANDBOX__NESTED__TASKS_PER_CONTAINER: '2' });
    pool.onApplicationBootstrap();
    const first = await lease(pool);
    pool.release(first, true);
    expect([...pool.inUseIds()]).toEqual([first.id]);
    await afterTask();
    expect(first.names).toEqual([expect.stringMatching(/^kiln-test-ready-[0-9a-f]{12}$/)]);
    const second = await lease(pool);
    expect(second).toBe(first);
    pool.release(second, true);
    await afterTask();
    expect(launcher.removed).toEqual([first.id]);
    expect((await lease(pool)).id).toBe('c2');
  });

  it('retires a container at once after a task that did not end cleanly', async () => {
    const { pool, launcher } = nestedMode();
    const lent = await lease(pool);
    pool.release(lent, false);
    await afterTask();
    expect(launcher.removed).toEqual([lent.id]);
    expect(lent.names).toEqual([]);
  });

  it('removes a container whose next nested sandbox does not start, and starts another', async () => {
    const { pool, launcher } = nestedMode();
    pool.onApplicationBootstrap();
    const lent = await lease(pool);
    lent.renews = false;
    pool.release(lent, true);
    await afterTask();
    expect(launcher.removed).toEqual([lent.id]);
    expect(pool.readyIds(PYTHON)).toEqual(['c2']);
  });

  it('serves a waiting task with the container coming back rather than starting a new one', async () => {
    const { pool, launcher } = nestedMode();
    const first = await lease(pool);
    const waiting = pool.acquire({ image: PYTHON, limits: LIMITS });
    await pass(0);
    pool.release(first, true);
    expect(await waiting).toBe(first);
    await pass(1000);
    expect(launcher.asked).toBe(1);
  });

  it('pings a container that rested on the shelf before lending it again, not one handed over at its next sandbox’s hello', async () => {
    const { pool } = nestedMode();
    const first = await lease(pool);
    const waiting = pool.acquire({ image: PYTHON, limits: LIMITS });
    await pass(0);
    pool.release(first, true);
    expect(await waiting).toBe(first);
    expect(first.pings).toBe(0);
    pool.release(first, true);
    await afterTask();
    expect(pool.readyIds(PYTHON)).toEqual([first.id]);
    expect(await lease(pool)).toBe(first);
    expect(first.pings).toBe(1);
  });

  it('lets a dedicated container (a session’s) leave the shelf: nobody waits for it, it is in use until given back, then removed', async () => {
    const { pool, launcher } = nestedMode();
    const held = await lease(pool, LIMITS, true);
    // With one outer container in all, a lent one would be waited for; a dedicated one is not.
    const other = await lease(pool);
    expect(other.id).toBe('c2');
    expect([...pool.inUseIds()].sort()).toEqual(['c1', 'c2']);
    pool.release(held, true);
    await afterTask();
    expect(launcher.removed).toEqual(['c1']);
    expect([...pool.inUseIds()]).toEqual(['c2']);
  });

  it('retires a container past sandbox.maxContainerAgeMs with the task it serves', async () => {
    const { pool, launcher } = nestedMode({ KILN_SANDBOX__MAX_CONTAINER_AGE_MS: '60000' });
    const lent = await lease(pool);
    await pass(61_000);
    pool.release(lent, true);
    await afterTask();
    expect(launcher.removed).toEqual([lent.id]);
  });

  it('owns up to max(sandbox.pool.size, worker.concurrency) outer containers, lent ones included', async () => {
    const { pool, launcher } = nestedMode({ KILN_SANDBOX__POOL__WARM: 'python', KILN_SANDBOX__POOL__SIZE: '1', KILN_WORKER__CONCURRENCY: '3', KILN_SANDBOX__POOL__LAUNCH_CONCURRENCY: '2' });
    pool.onApplicationBootstrap();
    // Two starts at once (sandbox.pool.launchConcurrency), then the third.
    await pass(2 * START_MS);
    expect(pool.readyIds(PYTHON)).toHaveLength(3);
    await Promise.all([0, 1].map(() => lease(pool)));
    await pass(2000);
    expect(launcher.started).toHaveLength(3);
    expect(pool.readyIds(PYTHON)).toHaveLength(1);
  });
});

describe('pool policies', () => {
  const { config } = loadConfig({ KILN_HOME: ROOT, KILN_WORKER__CONCURRENCY: '8' });
  const container = (id: string) => new FakeContainer(id, LIMITS);

  it('count what a shelf owns: lent nested containers come back, lent container-mode ones never do', () => {
    const shelf = new PoolShelf('key', PYTHON, { options: {}, limits: LIMITS }, new PoolDemand(60_000));
    shelf.ready.push(container('a'));
    shelf.leased.add(container('b'));
    shelf.resting.add(container('c'));
    shelf.launching = 1;
    shelf.waiters.push({ resolve: () => undefined, reject: () => undefined });
    const [single, nested] = [new SingleUsePolicy(), new NestedReusePolicy(config)];
    expect([single.owned(shelf), single.returning()]).toEqual([1, 0]);
    expect([nested.owned(shelf), nested.returning(shelf)]).toEqual([4, 2]);
    expect([single.capacity(4), nested.capacity(4)]).toEqual([4, 8]);
  });

  it('reuse: container mode never, nested mode while the count and the age allow', () => {
    const nested = new NestedReusePolicy(config);
    const young = container('young');
    expect(new SingleUsePolicy().mayServeAgain()).toBe(false);
    expect(nested.mayServeAgain(young, young.startedAt + 1000)).toBe(true);
    expect(nested.mayServeAgain(young, young.startedAt + config.sandbox.maxContainerAgeMs)).toBe(false);
    young.tasksServed = config.sandbox.nested.tasksPerContainer;
    expect(nested.mayServeAgain(young, young.startedAt + 1000)).toBe(false);
  });
});
