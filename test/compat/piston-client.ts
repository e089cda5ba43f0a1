import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DRIVER = join(__dirname, 'piston-client-driver.mjs');

/** The published piston-client package, run in its own Node process (it is an ES module). */
export function pistonClient(server: string) {
  const call = async (method: 'runtimes' | 'execute', ...args: unknown[]) => {
    const { stdout } = await run(process.execPath, [DRIVER, server, method, JSON.stringify(args)], { timeout: 120_000 });
    return JSON.parse(stdout);
  };
  return {
    runtimes: () => call('runtimes'),
    execute: (...args: unknown[]) => call('execute', ...args),
  };
}
