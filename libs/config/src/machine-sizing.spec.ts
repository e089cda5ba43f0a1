import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config-loader';
import { sizeFromMachine, TASKS_PER_CPU } from './machine-sizing';

const home = join(__dirname, '../../..');
const load = (env: Record<string, string>) => loadConfig({ KILN_HOME: home, ...env });
const tree = (worker: Record<string, unknown>, pool: Record<string, unknown>) => ({ worker, sandbox: { pool } });

describe('defaults sized from the machine', () => {
  it('the shipped configuration: auto sandbox mode, concurrency from the CPUs, pools from the concurrency', () => {
    const { config, sizing } = load({});
    const cpus = availableParallelism();
    expect(config.sandbox.mode).toBe('auto');
    expect(config.worker.concurrency).toBe(TASKS_PER_CPU * cpus);
    expect(config.sandbox.pool.size).toBe(Math.min(64, TASKS_PER_CPU * cpus));
    expect(config.sandbox.pool.launchConcurrency).toBe(Math.min(32, TASKS_PER_CPU * cpus));
    expect(Object.keys(sizing)).toEqual(['worker.concurrency', 'sandbox.pool.size', 'sandbox.pool.launchConcurrency']);
  });

  it('4 tasks per CPU, capped by each key’s maximum; the pool follows the concurrency', () => {
    const one = tree({ concurrency: 'auto' }, { size: 'auto', launchConcurrency: 'auto' });
    expect(sizeFromMachine(one, 1)).toEqual({ 'worker.concurrency': '4 per CPU × 1 CPU', 'sandbox.pool.size': 'worker.concurrency', 'sandbox.pool.launchConcurrency': 'worker.concurrency' });
    expect(one).toEqual(tree({ concurrency: 4 }, { size: 4, launchConcurrency: 4 }));
    const huge = tree({ concurrency: 'auto' }, { size: 'auto', launchConcurrency: 'auto' });
    sizeFromMachine(huge, 128);
    expect(huge).toEqual(tree({ concurrency: 256 }, { size: 64, launchConcurrency: 32 }));
  });

  it('a number given (file or environment) is kept, and the auto pool follows it', () => {
    const { config, sizing } = load({ KILN_WORKER__CONCURRENCY: '3' });
    expect([config.worker.concurrency, config.sandbox.pool.size, config.sandbox.pool.launchConcurrency]).toEqual([3, 3, 3]);
    expect(sizing['worker.concurrency']).toBeUndefined();
    const fixed = load({ KILN_SANDBOX__POOL__SIZE: '1', KILN_SANDBOX__POOL__LAUNCH_CONCURRENCY: '5' }).config.sandbox.pool;
    expect([fixed.size, fixed.launchConcurrency]).toEqual([1, 5]);
  });

  it('auto again from the environment is the machine’s value; anything else is refused, naming the key', () => {
    expect(load({ KILN_WORKER__CONCURRENCY: 'auto' }).config.worker.concurrency).toBe(TASKS_PER_CPU * availableParallelism());
    expect(() => load({ KILN_SANDBOX__POOL__SIZE: 'lots' })).toThrow('sandbox.pool.size: must be a whole number or auto (got the string "lots")');
  });
});
