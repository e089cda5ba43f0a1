import type { JobView, StageResult } from '@kiln/client';
import { CLI_EXIT, exitCodeOf } from './exit-codes';

const stage = (over: Partial<StageResult>): StageResult => ({
  stdout: '', stderr: '', exitCode: 0, signal: null, verdict: 'OK' as never, wallTimeMs: 1, cpuTimeMs: 1, memoryBytes: 1, truncated: false, ...over,
});
const job = (over: Partial<JobView>): JobView =>
  ({ id: 'j', state: 'COMPLETED', verdict: 'OK', language: 'python', compile: null, run: stage({}), tests: [], tasks: [], createdAt: '', finishedAt: '', ...over }) as JobView;

describe('exitCodeOf', () => {
  it('mirrors the program: 0, its own code, 128 + signal', () => {
    expect(exitCodeOf(job({}))).toBe(0);
    expect(exitCodeOf(job({ verdict: 'RUNTIME_ERROR' as never, run: stage({ exitCode: 3 }) }))).toBe(3);
    expect(exitCodeOf(job({ verdict: 'RUNTIME_ERROR' as never, run: stage({ exitCode: null, signal: 'SIGSEGV' }) }))).toBe(139);
    expect(exitCodeOf(job({ verdict: 'MEMORY_LIMIT' as never, run: stage({ exitCode: null, signal: 'SIGKILL' }) }))).toBe(137);
  });

  it('says timeout like timeout(1), a compile error with the compiler code, cancel like a shell', () => {
    expect(exitCodeOf(job({ verdict: 'TIMEOUT' as never, run: stage({ exitCode: null, signal: 'SIGKILL' }) }))).toBe(CLI_EXIT.timeout);
    expect(exitCodeOf(job({ verdict: 'COMPILE_ERROR' as never, run: null, compile: stage({ exitCode: 1 }) }))).toBe(1);
    expect(exitCodeOf(job({ state: 'CANCELLED' as never, verdict: null, run: null }))).toBe(CLI_EXIT.cancelled);
    expect(exitCodeOf(job({ state: 'FAILED' as never, verdict: null, run: null }))).toBe(CLI_EXIT.unavailable);
  });

  it('is never 0 for a verdict other than OK', () => {
    expect(exitCodeOf(job({ verdict: 'OUTPUT_LIMIT' as never, run: stage({ exitCode: 0 }) }))).toBe(1);
  });
});
