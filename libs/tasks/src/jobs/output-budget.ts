import { Limits } from '../limits/limits';

/**
 * The job's output budget (`limits.jobOutputBytes`) counts output as the
 * answer renders it, so that the JSON of a job is bounded by it: text costs
 * the bytes JSON.stringify makes of it (`\u0001` is 6, `\n` 2, `é` 2), base64
 * 4 bytes per 3, and with combinedOutput every byte counts twice (it is
 * answered in stdout or stderr and again in `output`). Each piece of a
 * combined output's interleaving counts too, as what it takes to store.
 *
 * Sharing, chosen so that the same program gets the same verdicts however
 * its tests are batched and whichever worker runs first: the compile may use
 * half the budget (a custom checker's compile a quarter more); each run (the
 * plain run, or each test) gets an equal share of what the compiles left. Within its share a run keeps output until the
 * next piece would not fit; that run is OUTPUT_LIMIT and says `truncated`.
 */

/** What one entry of an interleaving may take stored (`-2147483648,`, rounded up). */
export const INTERLEAVING_ENTRY_BYTES = 12;

/** An old record's limits without a budget: nothing is cut beyond outputBytes. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/** Bytes of a text inside a JSON string (the quotes not counted). */
export function jsonTextBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text)) - 2;
}

/** Bytes of n bytes in base64. */
export function base64Bytes(n: number): number {
  return 4 * Math.ceil(n / 3);
}

/** The longest start of `text`, whole code points only, that takes at most maxBytes inside a JSON string. */
export function jsonTextPrefix(text: string, maxBytes: number): string {
  let used = 0;
  let end = 0;
  while (end < text.length) {
    const unit = text.charCodeAt(end);
    const pair = isHighSurrogate(unit) && end + 1 < text.length && isLowSurrogate(text.charCodeAt(end + 1));
    const cost = pair ? 4 : jsonUnitBytes(unit);
    if (used + cost > maxBytes) break;
    used += cost;
    end += pair ? 2 : 1;
  }
  return text.slice(0, end);
}

/** JSON.stringify's bytes for one UTF-16 unit that is not half of a pair (a lone surrogate is escaped). */
function jsonUnitBytes(unit: number): number {
  if (unit === 0x22 || unit === 0x5c) return 2;
  if (unit < 0x20) return [0x08, 0x09, 0x0a, 0x0c, 0x0d].includes(unit) ? 2 : 6;
  if (unit < 0x80) return 1;
  if (unit < 0x800) return 2;
  if (unit >= 0xd800 && unit <= 0xdfff) return 6;
  return 3;
}

const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

function budgetOf(limits: Pick<Limits, 'jobOutputBytes'>): number {
  return limits.jobOutputBytes ?? UNBOUNDED;
}

/** The compile stage's share: half the budget. */
export function compileOutputShare(limits: Pick<Limits, 'jobOutputBytes'>): number {
  return Math.floor(budgetOf(limits) / 2);
}

/**
 * A checker's compile (a job with a compiled checker): a quarter of the
 * budget, beside the program's half, so that the two compiles (which run at
 * once) leave the runs at least a quarter between them.
 */
export function checkerCompileOutputShare(limits: Pick<Limits, 'jobOutputBytes'>): number {
  return Math.floor(budgetOf(limits) / 4);
}

/** Each run's share (the plain run, or each of testCount tests): an equal part of what the compile left. */
export function runOutputShare(limits: Pick<Limits, 'jobOutputBytes'>, testCount: number, compileUsed: number): number {
  return Math.floor(Math.max(0, budgetOf(limits) - compileUsed) / Math.max(1, testCount));
}

/**
 * The agent's own cap for a run with this share: it forwards no more raw
 * bytes than the share could hold (each byte renders as one byte at least),
 * and kills the program past it, so a flood ends early.
 */
export function agentOutputCap(outputBytes: number, share: number, combined: boolean): number {
  return Math.min(outputBytes, Math.floor(share / (combined ? 2 : 1)));
}
