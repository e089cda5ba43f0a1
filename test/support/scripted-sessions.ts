import type { ScriptedExit, ScriptedProgram, ScriptedRun } from '../../apps/worker/src/sandbox/scripted/scripted-sandbox';
import { ScriptedSandboxRuntime } from '../../apps/worker/src/sandbox/scripted/scripted-sandbox.runtime';
import { scriptedProgram } from './scripted-programs';

/**
 * A scripted runtime for session suites of the component tier: the commands
 * of a session's files API (apps/worker/src/sessions/workspace-commands.ts:
 * GNU find walks) done on the scripted workspace (a map of files, its
 * directories implied by their paths), and `ls` of it; everything else is
 * scripted-programs.ts's step language. It stands for the sandbox only as
 * far as the API's logic needs: what find really does (links never
 * followed, byte-exact files) is the system tier's (test/sessions/*.e2e-spec.ts).
 */
export function scriptedSessionRuntime(): ScriptedSandboxRuntime {
  return new ScriptedSandboxRuntime(sessionProgram);
}

export const sessionProgram: ScriptedProgram = (run) => {
  const [command] = run.exec.argv;
  if (command === 'find') return find(run);
  if (command === 'ls') return ls(run);
  return scriptedProgram(run);
};

type Kind = 'f' | 'd' | null;

function kindOf(files: ScriptedRun['files'], path: string): Kind {
  if (files.has(path)) return 'f';
  return [...files.keys()].some((name) => name.startsWith(`${path}/`)) ? 'd' : null;
}

/** The entries directly in a directory ('' the workspace), as listExec prints them. */
function entries(files: ScriptedRun['files'], directory: string): string {
  const prefix = directory ? `${directory}/` : '';
  const seconds = (Date.now() / 1000).toFixed(3);
  const children = new Map<string, string>();
  for (const [name, file] of files) {
    if (!name.startsWith(prefix)) continue;
    const [child, ...deeper] = name.slice(prefix.length).split('/');
    children.set(child, deeper.length ? `d 0` : `f ${file.content.length}`);
  }
  return [...children].map(([child, head]) => `${head} ${seconds} ${prefix}${child}\0`).join('');
}

function find(run: ScriptedRun): ScriptedExit {
  const { argv } = run.exec;
  const { files } = run;
  if (argv.includes('-maxdepth')) return { stdout: entries(files, '') };
  if (argv.includes('%P\\0')) return { stdout: [...files.keys()].map((name) => `${name}\0`).join('') };
  const target = argv[argv.indexOf('-path') + 1].slice(2);
  const kind = kindOf(files, target);
  if (argv.includes('D\\0')) return { stdout: kind === 'd' ? `D\0${entries(files, target)}` : '' };
  if (!kind) return {};
  if (argv.includes('cat')) {
    run.stdout(`${kind} ${kind === 'f' ? files.get(target)!.content.length : 0}\n`);
    if (kind === 'f') run.stdout(files.get(target)!.content);
    return {};
  }
  if (argv.includes('-rf')) {
    for (const name of [...files.keys()]) if (name === target || name.startsWith(`${target}/`)) files.delete(name);
  } else if (argv.includes('-f') && kind === 'f') {
    files.delete(target);
  }
  return { stdout: `${kind}\n` };
}

function ls(run: ScriptedRun): ScriptedExit {
  const names = [...new Set([...run.files.keys()].map((name) => name.split('/')[0]))].sort();
  return { stdout: names.map((name) => `${name}\n`).join('') };
}
