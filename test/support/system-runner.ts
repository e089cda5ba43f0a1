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
 * The pragma of a parallel suite that takes minutes whatever its neighbours do
 * (an image to build): started first, so that its minutes pass beside the
 * others' and not after them (Jest orders the rest by their last durations,
 * or by size on a fresh clone, where a short file that builds an image would
 * come last).
 */
export const EARLY_PRAGMA = /@system-early\b/;

/**
 * The system tier's runner: suites that are independent of each other run
 * first, on Jest's workers (`--maxWorkers`; `npm run test:system` gives 2),
 * those marked `@system-early` first among them; then those that carry the
 * `@system-serial` pragma, one at a time with nothing else running.
 * `--runInBand` runs everything one at a time.
 */
export default class SystemRunner extends TestRunner {
  override async runTests(tests: Array<Test>, watcher: TestWatcher, options: TestRunnerOptions): Promise<void> {
    const marked = (test: Test, pragma: RegExp) => pragma.test(readFileSync(test.path, 'utf8'));
    const serial = tests.filter((test) => marked(test, SERIAL_PRAGMA));
    const others = tests.filter((test) => !serial.includes(test));
    const parallel = [...others.filter((test) => marked(test, EARLY_PRAGMA)), ...others.filter((test) => !marked(test, EARLY_PRAGMA))];
    if (parallel.length > 0) await super.runTests(parallel, watcher, options);
    if (serial.length > 0 && !watcher.isInterrupted()) await super.runTests(serial, watcher, { ...options, serial: true });
  }
}
