import { cpuTimeMsOf, effectivePolicy, LIMIT_MINIMA, CPU_TIME_MINIMUM_MS, LimitsPolicy } from '@kiln/tasks';
import { PistonRequestError } from './piston-request-error';
import { PistonRuntime, PistonRuntimes } from './piston-runtimes';

/** One file of a Piston request; an encoding other than base64 or hex is utf8 (as Piston does). */
export interface PistonFile {
  name?: string;
  content: string;
  encoding?: string;
}

/** The body of POST /api/v2/execute (Piston v2). Limits: ms and bytes; 0 or absent: the default. */
export interface PistonExecuteBody {
  language: string;
  version: string;
  files: PistonFile[];
  stdin?: string;
  args?: unknown[];
  compile_timeout?: number;
  run_timeout?: number;
  compile_cpu_time?: number;
  run_cpu_time?: number;
  compile_memory_limit?: number;
  run_memory_limit?: number;
}

/** A request that passed Piston's checks, with its runtime found. */
export interface PistonExecution {
  body: PistonExecuteBody;
  runtime: PistonRuntime;
}

const MiB = 1024 * 1024;
const CONSTRAINTS = ['memory_limit', 'timeout', 'cpu_time'] as const;
const STAGES = ['compile', 'run'] as const;
type Constraint = (typeof CONSTRAINTS)[number];
type Stage = (typeof STAGES)[number];

/**
 * Piston's own checks, in Piston's order and words (api/v2.js get_job); the
 * configured limits are Kiln's maxima for the runtime's language, in
 * Piston's units. Kiln adds one check Piston lacks: its minima.
 */
export function parsePistonExecution(raw: unknown, runtimes: PistonRuntimes, policy: LimitsPolicy): PistonExecution {
  const body = (raw ?? {}) as PistonExecuteBody;
  if (!body.language || typeof body.language !== 'string') throw new PistonRequestError('language is required as a string');
  if (!body.version || typeof body.version !== 'string') throw new PistonRequestError('version is required as a string');
  if (!body.files || !Array.isArray(body.files)) throw new PistonRequestError('files is required as an array');
  body.files.forEach((file, index) => {
    if (typeof file?.content !== 'string') throw new PistonRequestError(`files[${index}].content is required as a string`);
  });
  const runtime = runtimes.match(body.language, body.version);
  if (!runtime) throw new PistonRequestError(`${body.language}-${body.version} runtime is unknown`);
  if (!body.files.some(isUtf8File)) throw new PistonRequestError('files must include at least one utf8 encoded file');
  checkConstraints(body, effectivePolicy(policy, runtime.definition.limits));
  return { body, runtime };
}

export function isUtf8File(file: PistonFile): boolean {
  return !file.encoding || file.encoding === 'utf8';
}

/** -1 on a memory limit is Piston's "no limit": Kiln's default applies, like an absent value. */
export function isUnlimitedMemory(constraint: Constraint, value: unknown): boolean {
  return constraint === 'memory_limit' && value === -1;
}

function checkConstraints(body: PistonExecuteBody, policy: LimitsPolicy): void {
  for (const constraint of CONSTRAINTS) {
    for (const stage of STAGES) {
      const name = `${stage}_${constraint}` as keyof PistonExecuteBody;
      const value = body[name];
      if (!value || isUnlimitedMemory(constraint, value)) continue;
      if (typeof value !== 'number') throw new PistonRequestError(`If specified, ${name} must be a number`);
      const { maximum, minimum } = bounds(constraint, stage, policy);
      if (value > maximum) throw new PistonRequestError(`${name} cannot exceed the configured limit of ${maximum}`);
      if (value < 0) throw new PistonRequestError(`${name} must be non-negative`);
      if (value < minimum) throw new PistonRequestError(`${name} must be at least ${minimum}`);
    }
  }
}

/** Kiln's maxima and minima in Piston's units (ms, bytes). */
function bounds(constraint: Constraint, stage: Stage, policy: LimitsPolicy): { maximum: number; minimum: number } {
  const { maxima } = policy;
  if (constraint === 'memory_limit') {
    return stage === 'run'
      ? { maximum: maxima.memoryMb * MiB, minimum: LIMIT_MINIMA.memoryMb * MiB }
      : { maximum: maxima.compileMemoryMb * MiB, minimum: LIMIT_MINIMA.compileMemoryMb * MiB };
  }
  if (constraint === 'timeout') {
    return stage === 'run'
      ? { maximum: maxima.timeoutMs, minimum: LIMIT_MINIMA.timeoutMs }
      : { maximum: maxima.compileTimeoutMs, minimum: LIMIT_MINIMA.compileTimeoutMs };
  }
  // The compile step's CPU is bounded by the agent at twice its wall-clock limit; the request can only lower the run's.
  return stage === 'run'
    ? { maximum: cpuTimeMsOf(maxima), minimum: CPU_TIME_MINIMUM_MS }
    : { maximum: 2 * maxima.compileTimeoutMs, minimum: CPU_TIME_MINIMUM_MS };
}
