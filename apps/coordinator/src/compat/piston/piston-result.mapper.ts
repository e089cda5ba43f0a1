import { JobState, JobView, Limits, StageResult, Verdict } from '@kiln/tasks';
import { signalNumber } from '../signal-numbers';
import { PistonRuntime } from './piston-runtimes';

/** Piston's stage status: runtime error, signal, timeout, stdout/stderr too long, internal error. */
export type PistonStatus = 'RE' | 'SG' | 'TO' | 'OL' | 'EL' | 'XX';

export interface PistonStage {
  stdout: string;
  stderr: string;
  output: string;
  code: number | null;
  signal: string | null;
  message: string | null;
  status: PistonStatus | null;
  cpu_time: number;
  wall_time: number;
  memory: number;
}

export interface PistonResult {
  language: string;
  version: string;
  run: PistonStage;
  compile?: PistonStage;
}

/** Thrown when the job itself did not complete (Kiln's fault or a cancel): Piston answers 500. */
export class PistonJobFailure extends Error {}

/**
 * A finished job as Piston's answer. A compiled language has a `compile`
 * stage; when compiling fails the program never runs and `run` repeats the
 * compile stage (Piston's own backward-compatible behaviour).
 */
export function toPistonResult(view: JobView, runtime: PistonRuntime, limits: Limits): PistonResult {
  const failure = pistonJobFailure(view);
  if (failure) throw failure;
  const compile = view.compile ? toPistonStage(view.compile, limits.compileTimeoutMs) : undefined;
  const run = view.run ? toPistonStage(view.run, limits.timeoutMs) : compile;
  if (!run) throw new PistonJobFailure('the job produced no result');
  return { language: runtime.language, version: runtime.version, run, ...(compile ? { compile } : {}) };
}

/** Why a terminal job is no Piston result (Kiln's failure or a cancel), or null when it completed. */
export function pistonJobFailure(view: JobView): PistonJobFailure | null {
  return view.state === JobState.COMPLETED ? null : new PistonJobFailure(view.error ?? `the job was ${view.state.toLowerCase()}`);
}

/** Piston reports SIGKILL for what it killed at a limit (its time and output limits). */
export function pistonSignal(verdict: Verdict, signal: string | null): string | null {
  return verdict === Verdict.TIMEOUT || verdict === Verdict.OUTPUT_LIMIT ? 'SIGKILL' : signal;
}

/** One stage; `wallLimitMs` is its wall-clock limit (to tell a CPU timeout from a wall-clock one). */
export function toPistonStage(stage: StageResult, wallLimitMs: number): PistonStage {
  const status = pistonStatus(stage);
  return {
    stdout: stage.stdout,
    stderr: stage.stderr,
    output: stage.output ?? stage.stdout + stage.stderr,
    code: stage.exitCode,
    signal: pistonSignal(stage.verdict, stage.signal),
    message: pistonMessage(status, stage, wallLimitMs),
    status,
    cpu_time: stage.cpuTimeMs,
    wall_time: stage.wallTimeMs,
    memory: stage.memoryBytes,
  };
}

function pistonStatus(stage: StageResult): PistonStatus | null {
  switch (stage.verdict) {
    case Verdict.OK:
      return null;
    case Verdict.TIMEOUT:
      return 'TO';
    // Kiln caps stdout and stderr together; the larger one is named.
    case Verdict.OUTPUT_LIMIT:
      return stage.stderr.length > stage.stdout.length ? 'EL' : 'OL';
    case Verdict.INTERNAL_ERROR:
    case Verdict.CHECKER_ERROR:
      return 'XX';
    default:
      return stage.signal ? 'SG' : 'RE';
  }
}

/** isolate's messages, which Piston passes on. */
function pistonMessage(status: PistonStatus | null, stage: StageResult, wallLimitMs: number): string | null {
  switch (status) {
    case null:
      return null;
    case 'TO':
      return stage.wallTimeMs >= wallLimitMs ? 'Time limit exceeded (wall clock)' : 'Time limit exceeded';
    case 'OL':
      return 'stdout length exceeded';
    case 'EL':
      return 'stderr length exceeded';
    case 'SG':
      return `Caught fatal signal ${signalNumber(stage.signal) ?? stage.signal}`;
    case 'RE':
      return `Exited with error status ${stage.exitCode}`;
    case 'XX':
      return 'internal error';
  }
}
