import { cpuTimeMsOf, effectivePolicy, LimitsPolicy, mainFileName } from '@kiln/tasks';
import { Judge0Submission } from './judge0-submission.request';
import { shellWords } from './shell-words';

/**
 * The native request (POST /jobs body) a Judge0 submission maps to.
 * expected_output and number_of_runs become test cases (the same input
 * number_of_runs times, stopping at the first that fails, as Judge0 stops);
 * output comes back as exact bytes and interleaved, so that stdout,
 * compile_output and redirect_stderr_to_stdout can be answered Judge0's way.
 */
export function judge0ToNativeJob(submission: Judge0Submission, policy: LimitsPolicy): object {
  const language = submission.language.definition;
  const stdin = (submission.stdin ?? Buffer.alloc(0)).toString('base64');
  return {
    language: language.id,
    files: [{ name: mainFileName(language, submission.sourceCode.toString('utf8')), content: submission.sourceCode.toString('base64'), encoding: 'base64' }],
    ...(usesTests(submission) ? testsOf(submission, stdin) : { stdin, stdinEncoding: 'base64' }),
    args: shellWords(submission.commandLineArguments),
    compilerOptions: shellWords(submission.compilerOptions),
    limits: nativeLimits(submission, effectivePolicy(policy, language.limits)),
    outputEncoding: 'base64',
    combinedOutput: true,
    ...(submission.callbackUrl ? { webhook: submission.callbackUrl } : {}),
  };
}

export function usesTests(submission: Judge0Submission): boolean {
  return submission.expectedOutput !== null || submission.numberOfRuns > 1;
}

function testsOf(submission: Judge0Submission, stdin: string) {
  const expected = submission.expectedOutput?.toString('base64');
  const test = { stdin, ...(expected !== undefined ? { expected } : {}), encoding: 'base64' };
  return { tests: Array.from({ length: submission.numberOfRuns }, () => test), comparison: 'trimmed', stopOnFirstFailure: true };
}

/**
 * Judge0's seconds and kilobytes in Kiln's units. The CPU limit includes
 * cpu_extra_time (the program may run on that long; the answer still says
 * Time Limit Exceeded past cpu_time_limit). Without a wall-clock limit, Kiln's
 * default applies, raised to the CPU limit when that is longer.
 */
function nativeLimits(submission: Judge0Submission, policy: LimitsPolicy) {
  const cpuTimeMs = submission.cpuTimeLimit
    ? Math.min(Math.ceil((submission.cpuTimeLimit + (submission.cpuExtraTime ?? 0)) * 1000), cpuTimeMsOf(policy.maxima))
    : undefined;
  const timeoutMs = submission.wallTimeLimit
    ? Math.ceil(submission.wallTimeLimit * 1000)
    : Math.min(Math.max(policy.defaults.timeoutMs, cpuTimeMs ?? 0), policy.maxima.timeoutMs);
  return {
    timeoutMs,
    cpuTimeMs,
    memoryMb: submission.memoryLimit ? Math.ceil(submission.memoryLimit / 1024) : undefined,
    processes: submission.maxProcessesAndOrThreads ?? undefined,
  };
}
