import { Verdict } from './verdict';

/** The outcome of one execution of a program (or of its compiler) in a sandbox. */
export interface StageResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  verdict: Verdict;
  wallTimeMs: number;
  cpuTimeMs: number;
  memoryBytes: number;
  truncated: boolean;
  /** Compile stages only: true when the compile cache answered and no compiler ran. */
  cached?: boolean;
}

/** What a finished task reports back to the coordinator. */
export interface TaskResult {
  compile?: StageResult;
  run?: StageResult;
}
