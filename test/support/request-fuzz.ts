import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Json } from './json-fuzz';

/**
 * What the request fuzz tests share: the seeds (request-fuzz-seeds.json),
 * a valid request of every format Kiln takes for the mutations to start
 * from, and the error shape each API promises.
 */
export type Target = 'native' | 'snippet' | 'piston' | 'judge0' | 'judge0-batch' | 'session' | 'session-run';

export interface FuzzQuery {
  base64_encoded?: string;
}

export const SEEDS = JSON.parse(readFileSync(join(__dirname, 'request-fuzz-seeds.json'), 'utf8')) as {
  casesPerSeed: number;
  seeds: number[];
  httpCasesPerSeed: number;
  httpSeeds: number[];
  regressions: { target: Target; query: FuzzQuery; body: string }[];
};

export const BASES: Record<Target, Json[]> = {
  native: [
    { language: 'python', code: 'print(input())', stdin: 'hi', args: ['--fast'], limits: { timeoutMs: 3000, memoryMb: 128, cpuTimeMs: 1000 }, priority: 5 },
    { language: 'c', files: [{ name: 'main.c', content: 'aW50IG1haW4oKXt9', encoding: 'base64' }], compilerOptions: ['-O2'], tests: [{ stdin: '1', expected: '1' }], comparison: 'exact', stopOnFirstFailure: true },
    { language: 'py', code: 'x', outputEncoding: 'base64', combinedOutput: true, queue: 'default', webhook: 'https://hooks.kiln.test/h' },
    { language: 'python', code: 'print(1.5)', tests: [{ expected: '1.5', comparison: 'float', relativeError: 1e-9 }], comparison: 'tokens', absoluteError: 0.5 },
    { language: 'python', code: 'print(1 4)', tests: [{ stdin: '5', expected: '0 5' }], checker: { language: 'cpp', files: [{ name: 'checker.cpp', content: 'int main(){}' }], limits: { timeoutMs: 1000 } } },
  ],
  snippet: [{ language: 'python', code: 'print(1)', files: [{ name: 'util.py', content: 'x = 1' }], args: ['a'], tests: [{ stdin: '', expected: '1' }] }],
  piston: [
    { language: 'python', version: '*', files: [{ name: 'main.py', content: 'print(1)' }, { content: 'aGk=', encoding: 'base64' }], stdin: 'x', args: ['a'], run_timeout: 3000, compile_memory_limit: -1 },
    { language: 'c++', version: '12.x', files: [{ content: 'int main(){}' }], compile_timeout: 10000, run_cpu_time: 1000, run_memory_limit: 134217728 },
  ],
  judge0: [
    { language_id: 71, source_code: 'print(input())', stdin: 'hi', expected_output: 'hi', cpu_time_limit: 2, memory_limit: 128000, number_of_runs: 2, redirect_stderr_to_stdout: true },
    { language_id: '50', source_code: 'aW50IG1haW4oKXt9', compiler_options: '-O2', command_line_arguments: 'a "b c"', wall_time_limit: '3', callback_url: 'https://hooks.kiln.test/h' },
  ],
  'judge0-batch': [{ submissions: [{ language_id: 71, source_code: 'print(1)' }, { language_id: 50, source_code: 'int main(){}', stdin: 'x' }] }],
  session: [
    { language: 'python', limits: { timeoutMs: 3000, memoryMb: 128, cpuTimeMs: 1000 }, idleTimeoutMs: 60000, files: [{ name: 'util.py', content: 'x = 1' }, { name: 'd/b.bin', content: 'aGk=', encoding: 'base64' }] },
    { language: 'c', limits: { compileTimeoutMs: 5000, outputBytes: 4096 } },
  ],
  'session-run': [
    { code: 'print(input())', stdin: 'hi', args: ['a'], timeoutMs: 2000 },
    { command: ['ls', '-l'], stdin: 'aGk=', stdinEncoding: 'base64' },
    { code: 'x + 1', context: 'main' },
  ],
};

export interface Answer {
  status: number;
  body: unknown;
}

/** The error shape each API promises for a 4xx. */
export function shapeProblem(target: Target, { status, body }: Answer): string | null {
  if (status < 200 || status >= 500) return `status ${status}`;
  if (status < 300) return null;
  if (JSON.stringify(body).match(/\b[A-Z][A-Za-z]*(Exception|Error)\b/)) return 'an exception class name in the body';
  const record = body as Record<string, unknown>;
  if (target === 'piston') return typeof record?.message === 'string' && Object.keys(record).length === 1 ? null : 'not {message}';
  if (target === 'judge0-batch' && Array.isArray(body)) {
    return body.every((entry) => typeof entry?.token === 'string' || isJudge0FieldErrors(entry)) ? null : 'not [{token} | {attribute: [messages]}]';
  }
  if (target.startsWith('judge0')) {
    if (status === 422) return isJudge0FieldErrors(body) ? null : 'not {attribute: [messages]}';
    return typeof record?.error === 'string' ? null : 'not {error}';
  }
  if (typeof record?.error !== 'string') return 'not {error}';
  const details = record.details as { field?: unknown; message?: unknown }[] | undefined;
  if (details !== undefined && !(Array.isArray(details) && details.every((d) => typeof d.field === 'string' && typeof d.message === 'string'))) return 'details not [{field, message}]';
  return null;
}

function isJudge0FieldErrors(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  return Object.values(body).every((messages) => Array.isArray(messages) && messages.every((message) => typeof message === 'string'));
}
