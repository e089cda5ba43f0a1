import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './kiln-harness';

/** The built entry point, as bin/kiln runs it. */
export const ENTRY = join(REPO_ROOT, 'dist', 'apps', 'kiln', 'src', 'main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** When each stdout chunk arrived and when the process ended, ms after start. */
  stdoutAt: number[];
  endedAt: number;
}

/** `kiln <argv>` from the build, as a user runs it, with no KILN_* of this process leaking in. */
export function kilnCli(argv: string[], options: { stdin?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KILN_')));
  const started = Date.now();
  const child = spawn(process.execPath, [ENTRY, ...argv], { env: { ...env, ...options.env }, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const run: CliRun = { code: null, stdout: '', stderr: '', stdoutAt: [], endedAt: 0 };
  child.stdout.on('data', (chunk) => {
    run.stdout += chunk;
    run.stdoutAt.push(Date.now() - started);
  });
  child.stderr.on('data', (chunk) => (run.stderr += chunk));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve) =>
    child.on('close', (code) => {
      run.code = code;
      run.endedAt = Date.now() - started;
      resolve(run);
    }),
  );
}
