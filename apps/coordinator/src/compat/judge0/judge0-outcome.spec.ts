import { JobState, JobView, Limits, StageResult, Verdict } from '@kiln/tasks';
import { judge0Outcome, seconds } from './judge0-outcome';
import { StoredSubmission } from './judge0-submission.store';

const limits: Limits = { timeoutMs: 5000, memoryMb: 256, cpus: 1, processes: 64, outputBytes: 65536, jobOutputBytes: 1048576, compileTimeoutMs: 15000, compileMemoryMb: 512 };
const b64 = (text: string) => Buffer.from(text).toString('base64');

function stage(partial: Partial<StageResult>): StageResult {
  return {
    stdout: b64('out'), stderr: '', output: b64('out'), exitCode: 0, signal: null, verdict: Verdict.OK,
    wallTimeMs: 12, cpuTimeMs: 4, memoryBytes: 4096 * 1024, truncated: false, ...partial,
  };
}

function view(partial: Partial<JobView>): JobView {
  return {
    id: 'token', state: JobState.COMPLETED, verdict: Verdict.OK, language: 'c', compile: null, run: stage({}), tests: [], tasks: [],
    createdAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:00:01.000Z', ...partial,
  };
}

const stored = { limits, cpuTimeLimit: null, redirectStderrToStdout: false } as unknown as StoredSubmission;

describe('judge0Outcome', () => {
  it('queued and running jobs are In Queue and Processing, with nothing else yet', () => {
    expect(judge0Outcome(view({ state: JobState.SCHEDULED, run: null }), stored)).toMatchObject({ status: { id: 1 }, stdout: null, time: null });
    expect(judge0Outcome(view({ state: JobState.RUNNING, run: null }), stored).status.id).toBe(2);
  });

  it('an accepted run: its bytes, times in seconds, memory in KB', () => {
    const outcome = judge0Outcome(view({}), stored);
    expect(outcome).toMatchObject({ status: { id: 3 }, exit_code: 0, exit_signal: null, time: '0.004', wall_time: '0.012', memory: 4096, stderr: null });
    expect(outcome.stdout?.toString()).toBe('out');
  });

  it('a run past cpu_time_limit that finished within the extra time is still a time limit (isolate’s -x)', () => {
    const late = view({ run: stage({ cpuTimeMs: 1200 }) });
    expect(judge0Outcome(late, { ...stored, cpuTimeLimit: 1 }).status.id).toBe(5);
    expect(judge0Outcome(late, { ...stored, cpuTimeLimit: 2 }).status.id).toBe(3);
  });

  it('limits and signals: memory by its signal, output floods as SIGXFSZ, exit codes as NZEC', () => {
    const of = (partial: Partial<StageResult>) => judge0Outcome(view({ run: stage(partial) }), stored);
    expect(of({ verdict: Verdict.MEMORY_LIMIT, signal: 'SIGKILL', exitCode: null })).toMatchObject({ status: { id: 12 }, exit_signal: 9, exit_code: 0 });
    expect(of({ verdict: Verdict.MEMORY_LIMIT, exitCode: 3 })).toMatchObject({ status: { id: 11 }, exit_code: 3 });
    expect(of({ verdict: Verdict.OUTPUT_LIMIT, signal: 'SIGKILL', exitCode: null }).status.id).toBe(8);
    expect(of({ verdict: Verdict.TIMEOUT, signal: 'SIGKILL', exitCode: null, wallTimeMs: 5001 }).message?.toString()).toBe('Time limit exceeded (wall clock)');
  });

  it('redirect_stderr_to_stdout: expected_output is compared with the interleaved output, as Judge0 compares its stdout', () => {
    const run = stage({ stdout: b64('a\n'), output: b64('a\nwarning\n'), stderr: b64('warning\n'), verdict: Verdict.OK });
    const redirected = { ...stored, redirectStderrToStdout: true, expectedOutputBase64: b64('a') };
    expect(judge0Outcome(view({ run }), redirected).status.id).toBe(4);
    expect(judge0Outcome(view({ run }), { ...redirected, expectedOutputBase64: b64('a\nwarning') }).status.id).toBe(3);
  });

  it('a compile step that ran out of time is a compilation error saying so', () => {
    const outcome = judge0Outcome(view({ run: null, compile: stage({ verdict: Verdict.TIMEOUT }) }), stored);
    expect(outcome.status.id).toBe(6);
    expect(outcome.compile_output?.toString()).toBe('Compilation time limit exceeded.');
  });

  it('number_of_runs: the last run that ran decides, times and memory are averaged', () => {
    const tests = [
      { index: 0, ...stage({ cpuTimeMs: 2, memoryBytes: 1024 * 1024 }) },
      { index: 1, ...stage({ cpuTimeMs: 4, memoryBytes: 3 * 1024 * 1024, verdict: Verdict.WRONG_ANSWER, stdout: b64('last') }) },
      { index: 2, verdict: null },
    ];
    const outcome = judge0Outcome(view({ run: null, tests }), stored);
    expect(outcome).toMatchObject({ status: { id: 4 }, time: '0.003', memory: 2048 });
    expect(outcome.stdout?.toString()).toBe('last');
  });

  it('a failed or cancelled job is an Internal Error with its reason', () => {
    const failed = judge0Outcome(view({ state: JobState.FAILED, error: 'the worker died' }), stored);
    expect(failed.status.id).toBe(13);
    expect(failed.message?.toString()).toBe('the worker died');
  });

  it('renders seconds as Rails renders decimals', () => {
    expect([seconds(1), seconds(10), seconds(1000), seconds(0), seconds(1234.6)]).toEqual(['0.001', '0.01', '1.0', '0.0', '1.235']);
  });
});
