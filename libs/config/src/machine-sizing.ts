import { availableParallelism } from 'node:os';

/** The value of a key sized from the machine at start-up (docs/performance.md, "Defaults sized from the machine"). */
export const AUTO = 'auto';

/**
 * Tasks one worker runs at once per CPU when worker.concurrency is auto. A
 * task mostly waits (on the agent's stream, on Redis, on the engine), so one
 * per CPU leaves the CPUs idle; measured on a 2-core machine, Python hellos
 * back to back gain up to 4 per CPU and no more (docs/performance.md).
 */
export const TASKS_PER_CPU = 4;

type Tree = Record<string, unknown>;

/** What sizing decided, key → how (the start-up log says it). */
export type MachineSizing = Record<string, string>;

/**
 * Replaces `auto` in the keys sized from the machine by their value, before
 * validation (so the typed configuration only ever holds numbers), and says
 * how each was sized:
 * - worker.concurrency: TASKS_PER_CPU × the CPUs this process may use;
 * - sandbox.pool.size: worker.concurrency (a burst of as many tasks as the
 *   worker runs at once finds its sandboxes started);
 * - sandbox.pool.launchConcurrency: worker.concurrency too (under demand
 *   every task slot may need its next container started while the others
 *   run; a start mostly waits on the engine, whose own churn peaks at about
 *   as many at once here: docs/performance.md).
 * A value that is neither auto nor a number is left for validation to name.
 */
export function sizeFromMachine(tree: Tree, cpus = availableParallelism()): MachineSizing {
  const sized: MachineSizing = {};
  const worker = section(tree, 'worker');
  const pool = section(section(tree, 'sandbox'), 'pool');
  const concurrency = Math.min(256, TASKS_PER_CPU * cpus);
  if (worker.concurrency === AUTO) {
    worker.concurrency = concurrency;
    sized['worker.concurrency'] = `${TASKS_PER_CPU} per CPU × ${cpus} CPU${cpus === 1 ? '' : 's'}`;
  }
  // An invalid worker.concurrency (not a whole number of 1-256, kiln-config.ts) is validation's to name;
  // the pool is sized as if it were auto, so its keys are not refused for a value they were never given.
  const tasks = isTaskCount(worker.concurrency) ? worker.concurrency : concurrency;
  if (pool.size === AUTO) {
    pool.size = Math.min(64, tasks);
    sized['sandbox.pool.size'] = 'worker.concurrency';
  }
  if (pool.launchConcurrency === AUTO) {
    pool.launchConcurrency = Math.min(32, tasks);
    sized['sandbox.pool.launchConcurrency'] = 'worker.concurrency';
  }
  return sized;
}

const isTaskCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 256;

/** The subtree at `key`, or an empty one (validation names a missing section). */
function section(tree: Tree, key: string): Tree {
  const value = tree?.[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Tree) : {};
}
