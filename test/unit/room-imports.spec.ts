import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/**
 * The rooms of the house and the arrows between them (docs/architecture.md),
 * read from the import statements of apps/** and libs/**:
 *
 * - within an app (and among the libraries), a room imports only the rooms
 *   its row of the doc's table names, and those tables run one way (no cycle);
 *   every room that exists is in its table;
 * - the never-arrows: a library never imports an app; libs/tasks imports
 *   nothing outside itself (no Nest, Redis, BullMQ or Docker); the
 *   coordinator never imports dockerode or worker code; the worker never
 *   imports the coordinator;
 * - Kiln's data belongs to libs/store: no file under apps/ holds a Redis
 *   client (ioredis, the REDIS tokens), a key name (RedisKeys, a key built on
 *   the prefix) or a BullMQ queue of its own.
 */

const REPO = join(__dirname, '..', '..');
const DOC = 'docs/architecture.md';

interface SourceFile {
  path: string;
  text: string;
}

interface Import {
  from: string;
  line: number;
  specifier: string;
  /** The names it imports as the exporting module calls them ('default', '*' for the whole module). */
  names: string[];
}

/** One table of the doc: its rooms and what each may import. */
type RoomTable = Map<string, Set<string>>;

/** Where a table's rooms are: apps/<app>/src/<room>/… or libs/<room>/…. */
const SCOPES: Record<string, (path: string) => string[] | null> = {
  coordinator: (path) => below(path, 'apps/coordinator/src/'),
  worker: (path) => below(path, 'apps/worker/src/'),
  kiln: (path) => below(path, 'apps/kiln/src/'),
  libs: (path) => below(path, 'libs/'),
};
/** Files directly in an app's src/ (its module, bootstrap, entry point): they assemble the rooms. */
const ROOT = '(root)';

function below(path: string, prefix: string): string[] | null {
  if (!path.startsWith(prefix)) return null;
  const dirs = path.slice(prefix.length).split('/').slice(0, -1);
  return prefix === 'libs/' ? dirs.slice(0, 1) : dirs;
}

/** Names apps/ may not import from Kiln's libraries: a Redis client, a key name, connection options of their own. */
const DATA_NAMES = new Set(['RedisKeys', 'REDIS', 'REDIS_SUBSCRIBER', 'createRedis', 'redisOptions', 'bullConnection', 'closeRedis']);
/** What apps/ may take from BullMQ: the types of what a consumer is handed, not a queue or a consumer of their own. */
/** The worker rooms that may talk to the Docker Engine: the Docker-backed runtime, its reaper and the composition. */
const DOCKER_ROOMS = new Set(['sandbox/docker', 'sandbox/container', 'sandbox/nested', 'reaper', ROOT]);
const BULLMQ_NAMES: Record<string, Set<string>> = {
  bullmq: new Set(['Job', 'DelayedError']),
  '@nestjs/bullmq': new Set(['Processor', 'WorkerHost', 'OnWorkerEvent']),
};

export function importsOf(file: SourceFile): Import[] {
  const found: Import[] = [];
  const lineAt = (index: number) => file.text.slice(0, index).split('\n').length;
  const statement = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?([\w*{}\s,$]*?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const match of file.text.matchAll(statement)) {
    found.push({ from: file.path, line: lineAt(match.index ?? 0), specifier: match[2], names: importedNames(match[1]) });
  }
  const bare = /(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of file.text.matchAll(bare)) {
    found.push({ from: file.path, line: lineAt(match.index ?? 0), specifier: match[1] ?? match[2] ?? match[3], names: ['*'] });
  }
  return found;
}

function importedNames(clause: string): string[] {
  const names: string[] = [];
  const braces = clause.match(/\{([^}]*)\}/);
  for (const part of braces?.[1].split(',') ?? []) {
    const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0];
    if (name) names.push(name);
  }
  const outside = clause.replace(/\{[^}]*\}/, '').replace(/,/g, ' ').trim();
  if (outside.startsWith('*')) names.push('*');
  else if (outside) names.push('default');
  return names;
}

/** A repository path for an import of Kiln's own code, or the package it names. */
function resolve(from: string, specifier: string): { path: string } | { pkg: string } {
  if (specifier.startsWith('.')) return { path: posix.normalize(posix.join(posix.dirname(from), specifier)) + '.ts' };
  const kiln = specifier.match(/^@kiln\/([^/]+)(\/.*)?$/);
  if (kiln) return { path: `libs/${kiln[1]}/src${kiln[2] ?? '/index'}.ts` };
  const [first, second] = specifier.split('/');
  return { pkg: first.startsWith('@') ? `${first}/${second}` : first };
}

/** The tables of the doc, by scope: rows `| \`room\` | … | \`other\`, \`rooms\` |` between `<!-- rooms:<scope> -->` and `<!-- /rooms -->`. */
export function roomTables(doc: string): Map<string, RoomTable> {
  const tables = new Map<string, RoomTable>();
  for (const match of doc.matchAll(/<!-- rooms:(\w+) -->([\s\S]*?)<!-- \/rooms -->/g)) {
    const table: RoomTable = new Map();
    for (const row of match[2].split('\n').filter((line) => /^\|\s*`/.test(line))) {
      const cells = row.split('|').slice(1, -1);
      const room = cells[0].trim().replace(/`/g, '');
      table.set(room, new Set([...cells[cells.length - 1].matchAll(/`([^`]+)`/g)].map((name) => name[1])));
    }
    tables.set(match[1], table);
  }
  return tables;
}

/** The declared room of a path in a scope: the longest declared room its folders start with (else its first folder, undeclared). */
function roomIn(table: RoomTable, dirs: string[]): string {
  if (dirs.length === 0) return ROOT;
  for (let depth = dirs.length; depth > 0; depth--) {
    const room = dirs.slice(0, depth).join('/');
    if (table.has(room)) return room;
  }
  return dirs[0];
}

function scopeOf(path: string): string | null {
  return Object.keys(SCOPES).find((scope) => SCOPES[scope](path) !== null) ?? null;
}

/** A cycle among the table's arrows, as a list of rooms, or null. */
function cycleIn(table: RoomTable): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (room: string, path: string[]): string[] | null => {
    if (state.get(room) === 'done') return null;
    if (state.get(room) === 'open') return [...path.slice(path.indexOf(room)), room];
    state.set(room, 'open');
    for (const next of table.get(room) ?? []) {
      const cycle = visit(next, [...path, room]);
      if (cycle) return cycle;
    }
    state.set(room, 'done');
    return null;
  };
  for (const room of table.keys()) {
    const cycle = visit(room, []);
    if (cycle) return cycle;
  }
  return null;
}

const isSpec = (path: string) => path.endsWith('.spec.ts');

/** Every broken rule, one line each (file:line and why). */
export function violations(files: SourceFile[], doc: string): string[] {
  const tables = roomTables(doc);
  const problems: string[] = [];
  for (const [scope, table] of tables) {
    const cycle = cycleIn(table);
    if (cycle) problems.push(`${DOC}: the ${scope} rooms import in a circle: ${cycle.join(' -> ')}`);
    for (const [room, allowed] of table) {
      for (const other of allowed) if (!table.has(other)) problems.push(`${DOC}: ${scope} room ${room} may import ${other}, which is not in the table`);
    }
  }
  for (const file of files) {
    const scope = scopeOf(file.path);
    const table = scope ? tables.get(scope) : undefined;
    const room = table && scope ? roomIn(table, SCOPES[scope](file.path)!) : null;
    if (table && room && room !== ROOT && !table.has(room)) problems.push(`${file.path}: room ${scope}/${room} is not in ${DOC}`);
    for (const imported of importsOf(file)) problems.push(...importProblems(file, imported, tables, scope, room));
    if (file.path.startsWith('apps/') && !isSpec(file.path) && /\.prefix\}:/.test(file.text)) {
      problems.push(`${file.path}: builds a Redis key on the prefix; key names belong to libs/store (RedisKeys)`);
    }
  }
  return problems;
}

function importProblems(file: SourceFile, imported: Import, tables: Map<string, RoomTable>, scope: string | null, room: string | null): string[] {
  const at = `${file.path}:${imported.line} imports ${imported.specifier}`;
  const target = resolve(file.path, imported.specifier);
  const fromApp = file.path.startsWith('apps/');
  const problems: string[] = [];
  if ('pkg' in target) {
    if (file.path.startsWith('libs/tasks/')) problems.push(`${at}: libs/tasks imports nothing outside itself (no Nest, Redis, BullMQ or Docker)`);
    if (file.path.startsWith('apps/coordinator/') && target.pkg === 'dockerode') problems.push(`${at}: the coordinator never talks to Docker`);
    if (scope === 'worker' && room && target.pkg === 'dockerode' && !DOCKER_ROOMS.has(room) && !isSpec(file.path)) {
      problems.push(`${at}: only the Docker-backed runtime's rooms talk to Docker (${[...DOCKER_ROOMS].join(', ')})`);
    }
    if (fromApp && target.pkg === 'ioredis' && !isSpec(file.path)) problems.push(`${at}: apps hold no Redis client; Kiln's data is libs/store's`);
    const allowed = BULLMQ_NAMES[target.pkg];
    const foreign = allowed ? imported.names.filter((name) => !allowed.has(name)) : [];
    if (fromApp && foreign.length) problems.push(`${at} (${foreign.join(', ')}): queues and their connections are libs/store's`);
    return problems;
  }
  const path = target.path;
  if (fromApp && path.startsWith('libs/')) {
    const data = imported.names.filter((name) => DATA_NAMES.has(name));
    if (data.length) problems.push(`${at} (${data.join(', ')}): Redis keys and clients are libs/store's`);
  }
  if (file.path.startsWith('libs/') && path.startsWith('apps/')) problems.push(`${at}: a library never imports an app`);
  if (file.path.startsWith('libs/tasks/') && !path.startsWith('libs/tasks/') && !(isSpec(file.path) && path.startsWith('test/'))) {
    problems.push(`${at}: libs/tasks imports nothing outside itself`);
  }
  if (file.path.startsWith('apps/coordinator/') && path.startsWith('apps/worker/')) problems.push(`${at}: the coordinator never imports worker code`);
  if (file.path.startsWith('apps/worker/') && path.startsWith('apps/coordinator/')) problems.push(`${at}: the worker never imports the coordinator`);
  if (file.path.startsWith('apps/kiln/') && /^apps\/(coordinator|worker)\//.test(path) && !/^apps\/\w+\/src\/[\w.-]+\.bootstrap\.ts$/.test(path)) {
    problems.push(`${at}: apps/kiln starts the coordinator and the worker through their bootstraps only`);
  }
  const targetScope = scopeOf(path);
  const table = scope ? tables.get(scope) : undefined;
  if (!table || !room || targetScope !== scope) return problems;
  const targetRoom = roomIn(table, SCOPES[scope!](path)!);
  // A spec may assemble the rooms it tests (a pool with each tier's policy), as the root does.
  if (targetRoom === room || room === ROOT || isSpec(file.path)) return problems;
  if (targetRoom === ROOT) problems.push(`${at}: only the ${scope} root imports its root files`);
  else if (!table.get(room)?.has(targetRoom)) problems.push(`${at}: ${scope} room ${room} may not import ${targetRoom} (${DOC})`);
  return problems;
}

function sourceFiles(dir: string): SourceFile[] {
  return readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [{ path, text: readFileSync(join(REPO, path), 'utf8') }] : [];
  });
}

describe('rooms and their imports (docs/architecture.md)', () => {
  const doc = readFileSync(join(REPO, DOC), 'utf8');
  const files = [...sourceFiles('apps'), ...sourceFiles('libs')];

  it('the doc has the tables this test reads, and the tree has the imports it checks', () => {
    const tables = roomTables(doc);
    expect([...tables.keys()]).toEqual(expect.arrayContaining(['coordinator', 'worker', 'libs', 'kiln']));
    expect(tables.get('coordinator')!.get('events')).toContain('jobs');
    // The reader sees real imports (multi-line ones, re-exports, dynamic ones), not an empty tree.
    const imports = files.flatMap(importsOf);
    expect(imports.length).toBeGreaterThan(500);
    expect(imports).toContainEqual(expect.objectContaining({ from: 'apps/coordinator/src/events/job-advancer.ts', specifier: '../jobs/job-finisher' }));
    expect(imports).toContainEqual(expect.objectContaining({ from: 'apps/kiln/src/main.ts', specifier: './run-modes', names: ['*'] }));
  });

  it('every import follows the rooms, the never-arrows and the data rule', () => {
    expect(violations(files, doc)).toEqual([]);
  });
});

describe('the room checker', () => {
  const doc = [
    '<!-- rooms:coordinator -->',
    '| room | holds | may import |',
    '|---|---|---|',
    '| `jobs` | jobs | — |',
    '| `events` | events | `jobs` |',
    '<!-- /rooms -->',
    '<!-- rooms:worker -->',
    '| `sandbox` | the contract | — |',
    '| `sandbox/docker` | the engine | `sandbox` |',
    '| `tasks` | runners | `sandbox` |',
    '<!-- /rooms -->',
    '<!-- rooms:libs -->',
    '| `tasks` | vocabulary | — |',
    '| `store` | data | `tasks` |',
    '<!-- /rooms -->',
  ].join('\n');
  const check = (path: string, text: string) => violations([{ path, text }], doc);

  it('accepts an arrow the table draws and refuses one it does not', () => {
    expect(check('apps/coordinator/src/events/a.ts', "import { B } from '../jobs/b';")).toEqual([]);
    expect(check('apps/coordinator/src/jobs/b.ts', "import {\n  A,\n} from '../events/a';")).toEqual([
      'apps/coordinator/src/jobs/b.ts:1 imports ../events/a: coordinator room jobs may not import events (docs/architecture.md)',
    ]);
    expect(check('apps/coordinator/src/billing/c.ts', '')).toEqual(['apps/coordinator/src/billing/c.ts: room coordinator/billing is not in docs/architecture.md']);
    expect(check('apps/coordinator/src/coordinator.module.ts', "import { A } from './events/a';")).toEqual([]);
  });

  it('keeps the Docker Engine client in the Docker-backed runtime', () => {
    expect(check('apps/worker/src/sandbox/docker/a.ts', "import Docker from 'dockerode';")).toEqual([]);
    expect(check('apps/worker/src/tasks/a.ts', "import Docker from 'dockerode';")).toEqual([
      "apps/worker/src/tasks/a.ts:1 imports dockerode: only the Docker-backed runtime's rooms talk to Docker (sandbox/docker, sandbox/container, sandbox/nested, reaper, (root))",
    ]);
    // A subfolder of a declared room belongs to it; an undeclared sibling does not.
    expect(check('apps/worker/src/tasks/a.ts', "import { B } from '../sandbox/docker/b';")).toEqual([
      'apps/worker/src/tasks/a.ts:1 imports ../sandbox/docker/b: worker room tasks may not import sandbox/docker (docs/architecture.md)',
    ]);
  });

  it('refuses a circle in the table itself', () => {
    const circular = doc.replace('| `jobs` | jobs | — |', '| `jobs` | jobs | `events` |');
    expect(violations([], circular)).toEqual(['docs/architecture.md: the coordinator rooms import in a circle: jobs -> events -> jobs']);
  });

  it('refuses the never-arrows', () => {
    const refused = (path: string, text: string, why: string) => expect(check(path, text)).toContainEqual(expect.stringContaining(why));
    refused('libs/tasks/src/x.ts', "import { Injectable } from '@nestjs/common';", 'libs/tasks imports nothing outside itself');
    refused('libs/tasks/src/x.ts', "import { StoreModule } from '@kiln/store';", 'libs/tasks imports nothing outside itself');
    refused('libs/store/src/x.ts', "import { JobsService } from '../../../apps/coordinator/src/jobs/jobs.service';", 'a library never imports an app');
    refused('apps/coordinator/src/jobs/x.ts', "import Docker from 'dockerode';", 'the coordinator never talks to Docker');
    refused('apps/coordinator/src/jobs/x.ts', "import { Sandbox } from '../../../worker/src/sandbox/sandbox';", 'the coordinator never imports worker code');
    refused('apps/worker/src/tasks/x.ts', "import { JobsService } from '../../../coordinator/src/jobs/jobs.service';", 'the worker never imports the coordinator');
    refused('apps/kiln/src/x.ts', "import { JobsService } from '../../coordinator/src/jobs/jobs.service';", 'through their bootstraps only');
    expect(check('apps/kiln/src/x.ts', "import { bootstrapWorker } from '../../worker/src/worker.bootstrap';")).toEqual([]);
  });

  it("refuses an app that touches Kiln's Redis data itself", () => {
    expect(check('apps/worker/src/tasks/x.ts', "import Redis from 'ioredis';")).toHaveLength(1);
    expect(check('apps/worker/src/tasks/x.ts', "import { REDIS, settledWithin } from '@kiln/redis';")).toHaveLength(1);
    expect(check('apps/coordinator/src/jobs/x.ts', "import { JobRepository, RedisKeys } from '@kiln/store';")).toHaveLength(1);
    expect(check('apps/coordinator/src/jobs/x.ts', "import { Queue } from 'bullmq';")).toHaveLength(1);
    expect(check('apps/coordinator/src/jobs/x.ts', "import { InjectQueue } from '@nestjs/bullmq';")).toHaveLength(1);
    expect(check('apps/coordinator/src/jobs/x.ts', 'const key = `${this.keys.prefix}:judge0:${token}`;')).toHaveLength(1);
    expect(check('apps/worker/src/tasks/x.ts', "import { DelayedError, Job } from 'bullmq';\nimport { JobRepository } from '@kiln/store';")).toEqual([]);
  });
});
