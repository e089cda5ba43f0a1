import { readFileSync } from 'node:fs';
import TestRunner from 'jest-runner';
import type { Test, TestRunnerOptions, TestWatcher } from 'jest-runner';

/**
 * The pragma of a system suite that must have the machine to itself: one that
 * takes the engine or the whole machine away from its neighbours (kills and
 * restarts processes on deadlines, takes Redis or the engine away, builds
 * images, measures the disk or the load), written with why in the suite's
 * header comment: `@system-serial <why>`.
 */
export const SERIAL_PRAGMA = /@system-serial\b/;

/**
 * The system tier's runner: suites that are independent of each other run
 * first, on Jest's workers (`--maxWorkers`; `npm run test:system` gives 2),
 * then those that carry the `@system-serial` pragma, one at a time with
 * nothing else running. `--runInBand` runs everything one at a time.
 */
export default class SystemRunner extends TestRunner {
  override async runTests(tests: Array<Test>, watcher: TestWatcher, options: TestRunnerOptions): Promise<void> {
    const serial = tests.filter((test) => SERIAL_PRAGMA.test(readFileSync(test.path, 'utf8')));
    const parallel = tests.filter((test) => !serial.includes(test));
    if (parallel.length > 0) await super.runTests(parallel, watcher, options);
    if (serial.length > 0 && !watcher.isInterrupted()) await super.runTests(serial, watcher, { ...options, serial: true });
  }
}
