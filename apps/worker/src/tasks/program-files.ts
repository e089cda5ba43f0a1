import { cpuTimeMsOf, expandCommand, INTERACTOR_FILES, InteractorPlan, JobInput, LanguageDefinition, Limits } from '@kiln/tasks';
import { AgentExec } from '../agent/agent-frames';
import { AgentFile } from '../agent/agent-session';
import { SandboxLimits } from '../sandbox/sandbox-runtime';

const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function sourceFiles(input: JobInput): AgentFile[] {
  return input.files.map((file) => ({ name: file.name, mode: 0o644, content: Buffer.from(file.contentBase64, 'base64') }));
}

/**
 * A job's custom checker as a program of its own (its files, no stdin),
 * run with `args`: its input, output and answer files, testlib's order.
 */
export function checkerProgram(input: JobInput, args: string[]): JobInput {
  if (!input.checker) throw new Error('the job has no checker in its input');
  return { files: input.checker.files, stdinBase64: '', args };
}

/**
 * A job's interactor as a program of its own (its files), run with no
 * arguments (its stdin starts with the run's or the test's input) or, with
 * `input: "file"`, with testlib's `input.txt output.txt` (InteractorPlan.input).
 */
export function interactorProgram(input: JobInput, plan?: InteractorPlan): JobInput {
  if (!input.interactor) throw new Error('the job has no interactor in its input');
  const args = plan?.input === 'file' ? [INTERACTOR_FILES.input, INTERACTOR_FILES.output] : [];
  return { files: input.interactor.files, stdinBase64: '', args };
}

/** The program's whole environment: nothing of the worker's own leaks in. */
export function programEnvironment(language: LanguageDefinition): Record<string, string> {
  return { PATH: SANDBOX_PATH, HOME: '/workspace', TMPDIR: '/tmp', LANG: 'C.UTF-8', ...language.env };
}

/** argv of a language's compile or run step for this job. */
export function commandFor(
  template: readonly string[],
  language: LanguageDefinition,
  input: JobInput,
  limits: Limits,
  memoryMb: number,
): string[] {
  const main = input.files[0].name;
  const sources = input.files.map((f) => f.name).filter((name) => language.extensions.some((ext) => name.endsWith(ext)));
  return expandCommand(template, {
    file: main,
    stem: main.replace(/\.[^./]*$/, ''),
    sources: sources.length ? sources : [main],
    args: input.args,
    compilerOptions: input.compilerOptions ?? [],
    memoryMb: String(memoryMb),
    heapMb: String(Math.max(16, Math.floor((memoryMb * 3) / 4))),
    processes: String(limits.processes),
    cpus: String(limits.cpus),
  });
}

/** The sandbox of a run step: the job's own limits. */
export function runSandboxLimits(limits: Limits): SandboxLimits {
  return { memoryMb: limits.memoryMb, cpus: limits.cpus, processes: limits.processes };
}

/**
 * The run step of the program under the job's limits (one exec; a test batch
 * repeats it with each stdin); `outputBytes`: the agent's cap, the job's
 * limit or less when its share of the output budget is smaller.
 */
export function runExecOf(language: LanguageDefinition, input: JobInput, limits: Limits, outputBytes: number): AgentExec {
  return {
    argv: commandFor(language.run, language, input, limits, limits.memoryMb),
    env: programEnvironment(language),
    timeoutMs: limits.timeoutMs,
    cpuMs: cpuTimeMsOf(limits),
    outputBytes,
  };
}
