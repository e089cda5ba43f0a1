import { JobState, JobView, outputMatches, StageResult, TestResult, Verdict } from '@kiln/tasks';
import { signalNumber } from '../signal-numbers';
import { JUDGE0_STATUS, Judge0Status, runtimeErrorStatusOfSignal } from './judge0-statuses';
import { StoredSubmission } from './judge0-submission.store';

/** What a job's results say in Judge0's attributes (text as bytes; null where Judge0 has null). */
export interface Judge0Outcome {
  status: Judge0Status;
  stdout: Buffer | null;
  stderr: Buffer | null;
  compile_output: Buffer | null;
  message: Buffer | null;
  exit_code: number | null;
  exit_signal: number | null;
  /** Seconds as Judge0's decimals render ("0.002"); memory in KB. */
  time: string | null;
  wall_time: string | null;
  memory: number | null;
}

const NOTHING: Omit<Judge0Outcome, 'status'> = {
  stdout: null,
  stderr: null,
  compile_output: null,
  message: null,
  exit_code: null,
  exit_signal: null,
  time: null,
  wall_time: null,
  memory: null,
};

/** The outcome of a submission's job, as Judge0's IsolateJob (compile, run, verify) would have recorded it. */
export function judge0Outcome(view: JobView, stored: StoredSubmission): Judge0Outcome {
  if (view.state === JobState.PENDING || view.state === JobState.SCHEDULED) return { ...NOTHING, status: JUDGE0_STATUS.queue };
  if (view.state === JobState.RUNNING) return { ...NOTHING, status: JUDGE0_STATUS.process };
  if (view.state !== JobState.COMPLETED) {
    return { ...NOTHING, status: JUDGE0_STATUS.internalError, message: text(view.error ?? `the job was ${view.state.toLowerCase()}`) };
  }
  const compileOutput = view.compile ? nonEmpty(bytesOf(view.compile, 'output')) : null;
  if (view.compile && view.compile.verdict !== Verdict.OK) return compilationError(view.compile, compileOutput);
  const runs = runsOf(view);
  const last = runs[runs.length - 1];
  if (!last) return { ...NOTHING, status: JUDGE0_STATUS.internalError, message: text('the job produced no result') };
  return { ...runOutcome(last, stored), compile_output: compileOutput, ...averages(runs) };
}

/** Judge0 keeps the compiler's output, or says the compile step ran out of time. */
function compilationError(compile: StageResult, output: Buffer | null): Judge0Outcome {
  const timedOut = compile.verdict === Verdict.TIMEOUT;
  return { ...NOTHING, status: JUDGE0_STATUS.compilationError, compile_output: timedOut ? text('Compilation time limit exceeded.') : output };
}

/** The plain run, or the runs of the tests that ran (number_of_runs, stopped at the first failure). */
function runsOf(view: JobView): StageResult[] {
  if (view.run) return [view.run];
  return view.tests.filter((test): test is TestResult => test.verdict !== null);
}

/** The last run decides, as in Judge0, where each run overwrites the previous. */
function runOutcome(run: StageResult, stored: StoredSubmission): Omit<Judge0Outcome, 'time' | 'wall_time' | 'memory' | 'compile_output'> {
  const stdout = stored.redirectStderrToStdout ? bytesOf(run, 'output') : bytesOf(run, 'stdout');
  const stderr = stored.redirectStderrToStdout ? Buffer.alloc(0) : bytesOf(run, 'stderr');
  const signal = signalNumber(run.signal);
  const { status, message } = statusOf(run, signal, stored, stdout);
  return {
    status,
    stdout: nonEmpty(stdout),
    stderr: nonEmpty(stderr),
    message: message === null ? null : text(message),
    exit_code: run.exitCode ?? 0,
    exit_signal: signal,
  };
}

/** Judge0's determine_status, from Kiln's verdict; the messages are isolate's. */
function statusOf(run: StageResult, signal: number | null, stored: StoredSubmission, stdout: Buffer): { status: Judge0Status; message: string | null } {
  switch (run.verdict) {
    case Verdict.TIMEOUT:
      return { status: JUDGE0_STATUS.timeLimit, message: run.wallTimeMs >= stored.limits.timeoutMs ? 'Time limit exceeded (wall clock)' : 'Time limit exceeded' };
    // Judge0 writes stdout to a file capped by max_file_size: a flood ends in SIGXFSZ.
    case Verdict.OUTPUT_LIMIT:
      return { status: JUDGE0_STATUS.sigxfsz, message: 'Output limit exceeded' };
    case Verdict.RUNTIME_ERROR:
    case Verdict.MEMORY_LIMIT:
      return signal
        ? { status: runtimeErrorStatusOfSignal(signal), message: `Caught fatal signal ${signal}` }
        : { status: JUDGE0_STATUS.nzec, message: `Exited with error status ${run.exitCode}` };
    case Verdict.INTERNAL_ERROR:
      return { status: JUDGE0_STATUS.internalError, message: 'internal error' };
    // Judge0 submissions have no checker (docs/compat-judge0.md); a checker's verdicts in Judge0's words all the same.
    case Verdict.PRESENTATION_ERROR:
      return { status: JUDGE0_STATUS.wrongAnswer, message: null };
    case Verdict.CHECKER_ERROR:
      return { status: JUDGE0_STATUS.internalError, message: 'the checker could not judge' };
    default:
      return acceptedOrWrong(run, stored, stdout);
  }
}

/**
 * isolate reports a time limit past cpu_time_limit even when the program
 * finished within the extra time. Judge0 compares expected_output with its
 * stdout, which holds stderr too under redirect_stderr_to_stdout: then the
 * interleaved output is compared (the job's own verdict looked at stdout alone).
 */
function acceptedOrWrong(run: StageResult, stored: StoredSubmission, stdout: Buffer): { status: Judge0Status; message: string | null } {
  if (stored.cpuTimeLimit !== null && run.cpuTimeMs > stored.cpuTimeLimit * 1000) {
    return { status: JUDGE0_STATUS.timeLimit, message: 'Time limit exceeded' };
  }
  const expected = stored.expectedOutputBase64;
  const wrong =
    stored.redirectStderrToStdout && expected !== null
      ? !outputMatches(stdout, Buffer.from(expected, 'base64'), { comparison: 'trimmed' })
      : run.verdict === Verdict.WRONG_ANSWER;
  return { status: wrong ? JUDGE0_STATUS.wrongAnswer : JUDGE0_STATUS.accepted, message: null };
}

/** number_of_runs: Judge0 averages time and memory over the runs. */
function averages(runs: StageResult[]): Pick<Judge0Outcome, 'time' | 'wall_time' | 'memory'> {
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    time: seconds(mean(runs.map((run) => run.cpuTimeMs))),
    wall_time: seconds(mean(runs.map((run) => run.wallTimeMs))),
    memory: Math.round(mean(runs.map((run) => run.memoryBytes)) / 1024),
  };
}

/** Seconds as Rails renders a decimal: "0.002", "0.01", "1.0". */
export function seconds(ms: number): string {
  const fixed = (ms / 1000).toFixed(3).replace(/0+$/, '');
  return fixed.endsWith('.') ? `${fixed}0` : fixed;
}

/** The stage's exact bytes (the job asked for base64 output). */
function bytesOf(stage: StageResult, stream: 'stdout' | 'stderr' | 'output'): Buffer {
  return Buffer.from(stage[stream] ?? '', 'base64');
}

function nonEmpty(bytes: Buffer): Buffer | null {
  return bytes.length ? bytes : null;
}

function text(value: string): Buffer {
  return Buffer.from(value, 'utf8');
}
