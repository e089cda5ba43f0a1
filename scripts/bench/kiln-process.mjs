// Starts Kiln standalone (the built entry point) as a child process for the
// benchmark, on its own port and Redis prefix, and stops it again; its pid
// (one process: coordinator and worker) for its CPU time.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { endsWithThisProcess } from './child-process-reaper.mjs';
import { sleep } from './stats.mjs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function startKiln(root, env) {
  const port = await freePort();
  const prefix = `kiln-bench-${randomBytes(4).toString('hex')}`;
  const child = endsWithThisProcess(spawn(process.execPath, [join(root, 'bin', 'kiln'), 'standalone'], {
    env: { ...process.env, KILN_HOME: root, KILN_COORDINATOR__PORT: String(port), KILN_REDIS__PREFIX: prefix, KILN_LOGGING__LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  }));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const health = await fetch(`${base}/health`).then((r) => (r.ok ? r.json() : null), () => null);
    // The sandbox tier the worker chose (sandbox.mode auto), as /health says it.
    if (health) return { base, prefix, pid: child.pid, sandbox: health.sandbox?.[0], stop: async () => (child.kill('SIGTERM'), await exited) };
    if (child.exitCode !== null) throw new Error(`kiln exited with ${child.exitCode} while starting`);
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error('kiln did not become healthy within 30 s');
}
