import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Harness, REPO_ROOT } from './kiln-harness';
import { eventually } from './waiting';

const ENTRY = join(REPO_ROOT, 'dist', 'apps', 'kiln', 'src', 'main.js');

export interface KilnProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code when the process ends by itself. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** The signal to the process's whole group, as a terminal's Ctrl-C sends it (spawned with `ownGroup` only). */
  signalGroup(signal: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnOptions {
  /** A process group of its own, as a shell gives a foreground command: what signalGroup signals. */
  ownGroup?: boolean;
}

/** The processes started here that have not exited yet. */
const running = new Set<KilnProcess>();

// A suite that starts processes kills those still running when it ends: a test that failed
// before it stopped its own (a wait that timed out) would otherwise leave a Kiln waiting for
// ever, and the Jest worker holding its pipes could not exit ("force exited").
afterAll(async () => {
  await Promise.all([...running].map((kiln) => kiln.stop('SIGKILL')));
});

/** Starts `kiln <mode>` from the build (npm test builds first) as a separate process. */
export function spawnKiln(mode: string, env: Record<string, string>, { ownGroup = false }: SpawnOptions = {}): KilnProcess {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` (npm test does it first)`);
  // Several workers share this machine: each takes any free metrics port unless told otherwise.
  const defaults = { KILN_TELEMETRY__METRICS__WORKER_PORT: '0' };
  const child = spawn(process.execPath, [ENTRY, mode], { env: { ...process.env, ...defaults, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: ownGroup });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kiln: KilnProcess = {
    child,
    output: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (alive()) child.kill(signal);
      return exited;
    },
    async signalGroup(signal) {
      if (!ownGroup) throw new Error('signalGroup: spawn the process with ownGroup');
      if (alive()) process.kill(-child.pid!, signal);
      return exited;
    },
  };
  running.add(kiln);
  void exited.then(() => running.delete(kiln));
  return kiln;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * Waits until worker `id` is UP in the deployment's /nodes (a start of it
 * other than instance `after`, when given), so that a wait on what the worker
 * does next (a reaper's sweep, say) is not spent on its process's boot.
 */
export function workerUp(kiln: Harness, id: string, after?: string, timeoutMs = 60_000): Promise<unknown> {
  type Node = { id: string; instance: string; status: string };
  const up = (nodes: Node[]) => nodes.some((node) => node.id === id && node.instance !== after && node.status === 'UP');
  return eventually(async () => (await kiln.http().get('/nodes')).body as Node[], up, timeoutMs, `worker ${id} up`);
}
