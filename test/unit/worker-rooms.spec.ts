import { join } from 'node:path';
import { importsOf, SourceImport, sourceFiles } from '../support/source-imports';

const ROOT = join(__dirname, '..', '..');
const SRC = 'apps/worker/src';

/**
 * The worker's rooms and the rooms each may import (docs/architecture.md,
 * "Worker"): the arrows run one way. A room is a folder under
 * apps/worker/src; the runtime's folders are rooms of their own (its
 * contract, the Docker machinery, one per tier); `root` is the files that
 * compose the worker (its module, its bootstrap, runtime-choice.ts).
 */
export const WORKER_ROOMS: Record<string, string[]> = {
  root: ['*'],
  agent: [],
  identity: [],
  metrics: [],
  sandbox: ['agent'],
  'sandbox/docker': ['sandbox', 'agent', 'identity', 'metrics'],
  'sandbox/container': ['sandbox/docker', 'sandbox', 'sandbox/seccomp'],
  'sandbox/nested': ['sandbox/docker', 'sandbox', 'sandbox/seccomp'],
  /** Kiln's seccomp profiles (JSON, scripts/generate-seccomp-profile.mjs writes them). */
  'sandbox/seccomp': [],
  'sandbox/scripted': ['sandbox', 'agent'],
  reaper: ['sandbox/docker', 'identity'],
  'fair-share': ['identity'],
  tasks: ['sandbox', 'agent', 'metrics', 'identity', 'fair-share'],
  cancellation: ['sandbox'],
  node: ['tasks', 'sandbox', 'identity', 'metrics'],
};

/** Packages only some rooms may use: the Docker Engine client belongs to the Docker-backed runtime. */
export const RESTRICTED_PACKAGES: Record<string, string[]> = {
  dockerode: ['sandbox/docker', 'sandbox/container', 'sandbox/nested', 'reaper', 'root'],
};

/** The room of a path under apps/worker/src (null: outside the worker). */
export function roomOf(path: string): string | null {
  if (!path.startsWith(`${SRC}/`)) return null;
  const parts = path.slice(SRC.length + 1).split('/');
  if (parts.length === 1) return 'root';
  return parts[0] === 'sandbox' && parts.length > 2 ? `sandbox/${parts[1]}` : parts[0];
}

/** What breaks the rules, one sentence each. */
export function roomViolations(imports: SourceImport[], rooms = WORKER_ROOMS, restricted = RESTRICTED_PACKAGES): string[] {
  const found: string[] = [];
  for (const { from, specifier, target } of imports) {
    const room = roomOf(from);
    if (room === null) continue;
    const allowed = rooms[room];
    if (!allowed) {
      found.push(`${from}: its room ${room} is not in the table of rooms (add it, with the rooms it may import)`);
      continue;
    }
    if (target === null) {
      const users = restricted[specifier.split('/')[0]];
      if (users && !users.includes(room)) found.push(`${from} imports ${specifier}: only ${users.join(', ')} may`);
      continue;
    }
    const into = roomOf(target);
    if (into === null) {
      if (target.startsWith('apps/')) found.push(`${from} imports ${specifier}: the worker imports no other app`);
      continue;
    }
    if (into !== room && !allowed.includes('*') && !allowed.includes(into)) {
      found.push(`${from} imports ${specifier} (${into}): ${room} may import only ${allowed.join(', ') || 'no other room'}`);
    }
  }
  return found;
}

describe('the worker’s rooms', () => {
  it('import one way, as docs/architecture.md draws them', () => {
    const imports = importsOf(ROOT, sourceFiles(ROOT, SRC));
    expect(imports.length).toBeGreaterThan(100);
    expect(roomViolations(imports)).toEqual([]);
  });

  it('every room of the tree is in the table, and every room of the table is in the tree', () => {
    const files = sourceFiles(ROOT, SRC);
    const reached = importsOf(ROOT, files).flatMap(({ target }) => (target ? [roomOf(target)] : []));
    const rooms = new Set([...files.map(roomOf), ...reached].filter((room) => room !== null));
    expect([...rooms].sort()).toEqual(Object.keys(WORKER_ROOMS).sort());
  });

  it('the checker catches an arrow the wrong way, an unknown room, another app and a restricted package', () => {
    const imports: SourceImport[] = [
      { from: `${SRC}/tasks/task.processor.ts`, specifier: '../node/worker-heartbeat', target: `${SRC}/node/worker-heartbeat` },
      { from: `${SRC}/sandbox/sandbox-runtime.ts`, specifier: './docker/warm-container', target: `${SRC}/sandbox/docker/warm-container` },
      { from: `${SRC}/sandbox/scripted/scripted-sandbox.ts`, specifier: '../nested/nested-tier', target: `${SRC}/sandbox/nested/nested-tier` },
      { from: `${SRC}/lobby/x.ts`, specifier: '../tasks/y', target: `${SRC}/tasks/y` },
      { from: `${SRC}/tasks/x.ts`, specifier: '../../../coordinator/src/jobs/job-store', target: 'apps/coordinator/src/jobs/job-store' },
      { from: `${SRC}/tasks/compile-cache.ts`, specifier: 'dockerode', target: null },
      // Allowed: within a room, along an arrow, a shared library, the composition root.
      { from: `${SRC}/node/worker-heartbeat.ts`, specifier: '../tasks/task-queue.consumer', target: `${SRC}/tasks/task-queue.consumer` },
      { from: `${SRC}/sandbox/nested/nested-tier.ts`, specifier: '../docker/container-spec', target: `${SRC}/sandbox/docker/container-spec` },
      { from: `${SRC}/tasks/x.ts`, specifier: '@kiln/tasks', target: null },
      { from: `${SRC}/worker.module.ts`, specifier: './node/node.module', target: `${SRC}/node/node.module` },
    ];
    expect(roomViolations(imports)).toEqual([
      `${SRC}/tasks/task.processor.ts imports ../node/worker-heartbeat (node): tasks may import only sandbox, agent, metrics, identity, fair-share`,
      `${SRC}/sandbox/sandbox-runtime.ts imports ./docker/warm-container (sandbox/docker): sandbox may import only agent`,
      `${SRC}/sandbox/scripted/scripted-sandbox.ts imports ../nested/nested-tier (sandbox/nested): sandbox/scripted may import only sandbox, agent`,
      `${SRC}/lobby/x.ts: its room lobby is not in the table of rooms (add it, with the rooms it may import)`,
      `${SRC}/tasks/x.ts imports ../../../coordinator/src/jobs/job-store: the worker imports no other app`,
      `${SRC}/tasks/compile-cache.ts imports dockerode: only sandbox/docker, sandbox/container, sandbox/nested, reaper, root may`,
    ]);
  });
});
