/** Resource limits of one job. Every field has a configured default and maximum. */
export interface Limits {
  /** Wall-clock limit of each run, in ms. */
  timeoutMs: number;
  /** Memory (and memory+swap) of the run sandbox, in MiB. */
  memoryMb: number;
  /** CPU quota of the sandbox, in cores (fractions allowed). */
  cpus: number;
  /** Maximum number of processes/threads in the sandbox. */
  processes: number;
  /** Cap on stdout+stderr bytes kept from each run. */
  outputBytes: number;
  /**
   * Budget of the whole job's output as the answer renders it (JSON-escaped
   * text or base64; `combinedOutput` counts twice): every stage and test
   * together. How it is shared: output-budget.ts.
   */
  jobOutputBytes: number;
  /** Wall-clock limit of the compile step, in ms. */
  compileTimeoutMs: number;
  /** Memory of the compile sandbox, in MiB. */
  compileMemoryMb: number;
  /**
   * CPU time of each run, in ms (all processes together). Absent: derived
   * from the wall-clock limit (see cpuTimeMsOf), so it has no configured default.
   */
  cpuTimeMs?: number;
}

/** The limits with a configured default and maximum (all but the derived cpuTimeMs). */
export type ConfiguredLimitKey = Exclude<keyof Limits, 'cpuTimeMs'>;

export const LIMIT_KEYS: readonly ConfiguredLimitKey[] = [
  'timeoutMs',
  'memoryMb',
  'cpus',
  'processes',
  'outputBytes',
  'jobOutputBytes',
  'compileTimeoutMs',
  'compileMemoryMb',
];

/** The lowest value that still makes sense for each limit; below it a request is refused. */
export const LIMIT_MINIMA: Readonly<Limits> = {
  timeoutMs: 100,
  memoryMb: 16,
  cpus: 0.1,
  processes: 4,
  outputBytes: 1024,
  jobOutputBytes: 1024,
  compileTimeoutMs: 1000,
  compileMemoryMb: 64,
};

export interface LimitsPolicy {
  defaults: Limits;
  maxima: Limits;
}

/** A language's partial replacement of the global defaults and maxima. */
export interface LimitOverrides {
  defaults?: Partial<Limits>;
  maxima?: Partial<Limits>;
}

/** The smallest CPU-time limit a request may set, in ms. */
export const CPU_TIME_MINIMUM_MS = 100;

/**
 * The CPU-time limit of a run: the requested one, else the wall-clock limit
 * times the cores (a program cannot use more CPU than that before its wall
 * clock runs out anyway).
 */
export function cpuTimeMsOf(limits: Pick<Limits, 'timeoutMs' | 'cpus' | 'cpuTimeMs'>): number {
  return limits.cpuTimeMs ?? Math.ceil(limits.timeoutMs * Math.max(1, limits.cpus));
}
