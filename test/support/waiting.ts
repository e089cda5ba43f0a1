import { inspect } from 'node:util';

/** How often a wait looks again. */
const POLL_MS = 50;

/** A wait that ran out: what it waited for, how long, and the last value it saw. */
export class WaitTimeout extends Error {
  constructor(what: string, timeoutMs: number, last: unknown) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}; the last value was ${shown(last)}`);
    this.name = 'WaitTimeout';
  }
}

/** A condition that was to hold for a while and did not: what broke it, and when. */
export class ConditionBroken extends Error {
  constructor(what: string, afterMs: number, value: unknown) {
    super(`${what} stopped holding after ${afterMs} ms; the value was ${shown(value)}`);
    this.name = 'ConditionBroken';
  }
}

/** What a wait is for, said in its failure; a function is asked only then (to add what it knows at that moment, such as a process's output). */
export type Purpose = string | (() => string);

/**
 * Probes until `accept` takes the value, and answers that value. Past
 * `timeoutMs` it throws, naming what it waited for (`what`, or the predicate's
 * source) and the last value, so a test fails at the wait and not later at an
 * assertion that only sees the aftermath.
 */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000, what?: Purpose): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!accept(value)) {
    if (Date.now() >= deadline) throw new WaitTimeout(purpose(what, accept), timeoutMs, value);
    await pause(POLL_MS);
    value = await probe();
  }
  return value;
}

/**
 * Probes for `forMs` and throws at the first value `accept` refuses: the way to
 * show that something does NOT happen (a retry beyond the last, a job leaving
 * its queue too early) over a window, instead of sleeping and looking once.
 */
export async function remains<T>(probe: () => Promise<T>, accept: (value: T) => boolean, forMs: number, what?: Purpose): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (!accept(value)) throw new ConditionBroken(purpose(what, accept), Date.now() - started, value);
    if (Date.now() - started >= forMs) return value;
    await pause(POLL_MS);
  }
}

/**
 * A deliberate pause that is not a synchronization: time a fault lasts (an
 * engine or a Redis kept down), never a guess at how long something takes.
 */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function purpose(what: Purpose | undefined, accept: (value: never) => boolean): string {
  if (what === undefined) return String(accept);
  return typeof what === 'function' ? what() : what;
}

function shown(value: unknown): string {
  const text = inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 500 });
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
