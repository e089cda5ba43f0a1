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
  /** Wall-clock limit of the compile step, in ms. */
  compileTimeoutMs: number;
  /** Memory of the compile sandbox, in MiB. */
  compileMemoryMb: number;
}

export const LIMIT_KEYS: readonly (keyof Limits)[] = [
  'timeoutMs',
  'memoryMb',
  'cpus',
  'processes',
  'outputBytes',
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
