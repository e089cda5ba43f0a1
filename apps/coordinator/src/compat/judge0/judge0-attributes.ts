import { cpuTimeMsOf, JobView } from '@kiln/tasks';
import { Judge0Language } from './judge0-languages';
import { judge0Outcome, seconds } from './judge0-outcome';
import { Judge0Attributes } from './judge0-serializer';
import { StoredSubmission } from './judge0-submission.store';

/** Judge0's STACK_LIMIT default (KB): recorded, not enforced (the stack is bounded by the memory limit). */
const DEFAULT_STACK_LIMIT_KB = 64000;

/**
 * All attributes of a submission: what it asked for (given, or what Kiln
 * applied instead, in Judge0's units) and what its job produced.
 */
export function judge0Attributes(token: string, view: JobView, stored: StoredSubmission, language: Judge0Language | undefined, fileSizeKb: number): Judge0Attributes {
  const outcome = judge0Outcome(view, stored);
  const { limits } = stored;
  const run = view.tasks.find((task) => task.kind === 'run');
  return {
    source_code: Buffer.from(stored.sourceCodeBase64, 'base64'),
    language_id: stored.languageId,
    stdin: stored.stdinBase64 === null ? null : Buffer.from(stored.stdinBase64, 'base64'),
    expected_output: stored.expectedOutputBase64 === null ? null : Buffer.from(stored.expectedOutputBase64, 'base64'),
    stdout: outcome.stdout,
    status_id: outcome.status.id,
    created_at: view.createdAt,
    finished_at: view.finishedAt,
    time: outcome.time,
    memory: outcome.memory,
    stderr: outcome.stderr,
    token,
    number_of_runs: stored.numberOfRuns,
    cpu_time_limit: decimal(stored.cpuTimeLimit ?? cpuTimeMsOf(limits) / 1000),
    cpu_extra_time: decimal(stored.cpuExtraTime ?? 0),
    wall_time_limit: decimal(stored.wallTimeLimit ?? limits.timeoutMs / 1000),
    memory_limit: stored.memoryLimit ?? limits.memoryMb * 1024,
    stack_limit: stored.stackLimit ?? DEFAULT_STACK_LIMIT_KB,
    max_processes_and_or_threads: stored.maxProcessesAndOrThreads ?? limits.processes,
    enable_per_process_and_thread_time_limit: false,
    enable_per_process_and_thread_memory_limit: false,
    max_file_size: stored.maxFileSize ?? fileSizeKb,
    compile_output: outcome.compile_output,
    exit_code: outcome.exit_code,
    exit_signal: outcome.exit_signal,
    message: outcome.message,
    wall_time: outcome.wall_time,
    compiler_options: stored.compilerOptions,
    command_line_arguments: stored.commandLineArguments,
    redirect_stderr_to_stdout: stored.redirectStderrToStdout,
    callback_url: stored.callbackUrl,
    additional_files: null,
    enable_network: false,
    started_at: null,
    queued_at: view.createdAt,
    updated_at: view.finishedAt ?? view.createdAt,
    queue_host: null,
    execution_host: run?.workerId ?? null,
    status: outcome.status,
    language: language ? { id: stored.languageId, name: language.name } : null,
  };
}

/** A decimal attribute as Rails renders it: a string ("5.0"). */
function decimal(value: number): string {
  return seconds(value * 1000);
}
