import type { ScriptedExit, ScriptedProgram, ScriptedRun } from '../../apps/worker/src/sandbox/scripted/scripted-sandbox';
import { ScriptedRuntimeOptions, ScriptedSandboxRuntime } from '../../apps/worker/src/sandbox/scripted/scripted-sandbox.runtime';

/**
 * Programs for component suites, whose worker runs jobs in scripted
 * sandboxes (no Docker). Whatever language a request names, its source is a
 * script of one step a line, which the scripted sandbox "runs":
 *
 *   out <text>             <text> and a newline on stdout
 *   err <text>             the same on stderr
 *   echo                   stdin to stdout
 *   args                   the program's arguments on stdout, one a line
 *   sleep <ms>             waits (a time limit or a kill stops it there)
 *   exit <code>            ends with that exit code
 *   signal <number>        ends killed by that signal
 *   memory <bytes>         says it used that much memory (above the limit: the OOM killer)
 *   cpu <ms>               says it used that much CPU time (above cpuTimeMs: RLIMIT_CPU)
 *   write <name> <text>   writes <text> and a newline to the workspace file <name>
 *   fill <name> <bytes>    writes a workspace file of that many bytes ("x" each)
 *   compile-error <text>   the compile step (of a compiled language) fails, <text> on stderr
 *   compile-out <text>     the compile step writes <text> on stdout
 *   lose-worker-once       the first attempt of the task stops here as Kiln's failure (a lost
 *                          worker, retried by BullMQ); a later attempt goes on past it
 *
 * The compile step (the exec that collects its workspace, or in a session
 * the exec that names its output with `-o`) leaves the script as the program
 * it names after `-o` (`main` for C); a run finds its script
 * in the first argument that names a workspace file (`main.py`, `./main`).
 * `true` (the exec after a run that collects its output files) exits 0.
 * What a scripted run proves is everything above the sandbox: the sandbox's
 * own rules are the system tier's.
 */
export function scriptedRuntime(options?: ScriptedRuntimeOptions): ScriptedSandboxRuntime {
  return new ScriptedSandboxRuntime(runScript, options);
}

/** The program scriptedRuntime's sandboxes run, for a runtime that adds to it (scripted-sessions.ts). */
export const scriptedProgram: ScriptedProgram = runScript;

/** The tasks (job id/task id) whose first attempt a `lose-worker-once` step has failed. */
const lostOnce = new Set<string>();

/** The source of a scripted program, one step a line. */
export const script = (...steps: string[]): string => steps.join('\n');

async function runScript(run: ScriptedRun): Promise<ScriptedExit> {
  // The collecting exec of output files (output-file.collector.ts) is neither a compile nor a program.
  if (run.exec.argv[0] === 'true') return {};
  return isCompile(run) ? compile(run) : execute(run);
}

/** A job's compile collects its workspace; a session's (which keeps its workspace) names its output with -o. */
function isCompile(run: ScriptedRun): boolean {
  return Boolean(run.exec.collect) || run.exec.argv.includes('-o');
}

function compile(run: ScriptedRun): ScriptedExit {
  // Not the output of an earlier compile (a session keeps its workspace): the sources come after -o's name.
  const output = run.exec.argv[run.exec.argv.indexOf('-o') + 1];
  const source = programFile(run, output);
  const steps = source ? stepsOf(source.content) : [];
  for (const [step, text] of steps) if (step === 'compile-out') run.stdout(`${text}\n`);
  const errors = steps.filter(([step]) => step === 'compile-error');
  if (errors.length > 0 || !source) {
    for (const [, text] of errors) run.stderr(`${text}\n`);
    if (!source) run.stderr(`no source among ${run.exec.argv.join(' ')}\n`);
    return { exitCode: 1 };
  }
  run.files.set(output ?? 'main', { name: output ?? 'main', mode: 0o755, content: source.content });
  return { exitCode: 0 };
}

async function execute(run: ScriptedRun): Promise<ScriptedExit> {
  const program = programFile(run);
  if (!program) {
    run.stderr(`no script among ${run.exec.argv.join(' ')}\n`);
    return { exitCode: 127 };
  }
  const args = run.exec.argv.slice(program.argIndex + 1);
  const exit: ScriptedExit = {};
  for (const [step, text] of stepsOf(program.content)) {
    if (step === 'out') run.stdout(`${text}\n`);
    else if (step === 'err') run.stderr(`${text}\n`);
    else if (step === 'echo') run.stdout(run.stdin);
    else if (step === 'args') for (const arg of args) run.stdout(`${arg}\n`);
    else if (step === 'sleep') await run.sleep(Number(text));
    else if (step === 'exit') return { ...exit, exitCode: Number(text) };
    else if (step === 'signal') return { ...exit, signal: Number(text) };
    else if (step === 'memory') exit.memoryBytes = Number(text);
    else if (step === 'cpu') exit.cpuMs = Number(text);
    else if (step === 'write') writeFile(run, text.split(' ')[0], `${text.split(' ').slice(1).join(' ')}\n`);
    else if (step === 'fill') writeFile(run, text.split(' ')[0], 'x'.repeat(Number(text.split(' ')[1])));
    else if (step === 'lose-worker-once') loseWorkerOnce(run);
    else if (!step.startsWith('compile-')) {
      run.stderr(`scripted program: unknown step "${step}"\n`);
      return { exitCode: 2 };
    }
  }
  return exit;
}

/** A throwing program is the sandbox failing (scripted-sandbox.ts): the attempt fails as Kiln's failure, which BullMQ retries. */
function loseWorkerOnce(run: ScriptedRun): void {
  const task = `${run.sandbox.owner.id}/${run.sandbox.owner.part}`;
  if (lostOnce.has(task)) return;
  lostOnce.add(task);
  throw new Error(`scripted program: the worker running ${task} was lost`);
}

function writeFile(run: ScriptedRun, name: string, content: string): void {
  run.files.set(name, { name, mode: 0o644, content: Buffer.from(content) });
}

/** The workspace file the exec names first, but `skip` (its argument index too): the script to run or to compile. */
function programFile(run: ScriptedRun, skip?: string): { content: Buffer; argIndex: number } | undefined {
  for (const [argIndex, arg] of run.exec.argv.entries()) {
    if (arg === skip) continue;
    const file = run.files.get(arg.replace(/^\.\//, ''));
    if (file) return { content: file.content, argIndex };
  }
  return undefined;
}

function stepsOf(content: Buffer): [string, string][] {
  return content
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [step, ...text] = line.trim().split(' ');
      return [step, text.join(' ')];
    });
}
