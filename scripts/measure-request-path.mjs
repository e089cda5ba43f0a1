#!/usr/bin/env node
// What one simple job costs Kiln on its request path, counted exactly: the
// Redis round trips and commands, the BullMQ jobs, the event-log entries and
// pub/sub messages, and the Docker Engine API requests of one Python hello
// (POST /execute), and, under a back-to-back load, the CPU time per job of
// the Kiln process and of Redis. Kiln standalone runs as a child process (the
// built entry point, default configuration but KILN_SANDBOX__MODE, nested by
// default) on a private redis-server, with scripts/measure/request-path-probe.cjs
// preloaded to count its socket writes and Engine API calls.
// docs/performance.md ("The request path, counted") quotes its output.
//
// Usage: node scripts/measure-request-path.mjs [--jobs N] [--clients N] [--traced N]
//          [--mode nested|container] [--profile] [--root DIR] [--node-options FLAGS]
//   --jobs: jobs of the load (300); --clients: requests at once in it (8)
//   --traced: jobs traced one by one with MONITOR, 1.5 s apart (10)
//   --profile: profile Kiln's CPU during the load (V8's profiler), print a summary
//   --root: a built Kiln tree to measure (default: this one)
//   --node-options: more flags for the Kiln process's Node (e.g. V8's heap sizes)
// Needs `npm run build` and the runtime images. A diagnostic, not a test:
// the counts are exact, CPU times depend on the machine's load.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startKiln } from './bench/kiln-process.mjs';
import { startRedis } from './bench/redis-server.mjs';
import { sleep } from './bench/stats.mjs';
import { profileSummary } from './measure/cpu-profile-summary.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const root = resolve(option('--root', new URL('..', import.meta.url).pathname));
const jobs = Number(option('--jobs', '300'));
const clients = Number(option('--clients', '8'));
const traced = Number(option('--traced', '10'));
const mode = option('--mode', 'nested');
const profiling = args.includes('--profile');
const TRACE_GAP_MS = 1500;
for (const [name, value] of [['--jobs', jobs], ['--clients', clients], ['--traced', traced]]) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a whole number of at least 1, got ${option(name)}`);
    process.exit(2);
  }
}

const work = mkdtempSync(join(tmpdir(), 'kiln-path-'));
const probeFile = join(work, 'probe.json');
const redis = await startRedis();
const redisPort = new URL(redis.url).port;
const probe = new URL('./measure/request-path-probe.cjs', import.meta.url).pathname;
const kiln = await startKiln(root, {
  NODE_OPTIONS: `--require ${probe} ${option('--node-options', '')}`.trim(),
  PATH_PROBE_REDIS_PORT: redisPort,
  PATH_PROBE_FILE: probeFile,
  KILN_REDIS__URL: redis.url,
  KILN_REDIS__EMBEDDED: 'false',
  KILN_SANDBOX__MODE: mode,
  KILN_TELEMETRY__METRICS__WORKER_PORT: '0',
});
const kilnPid = Number(readFileSync(`${probeFile}.pid`, 'utf8'));

const body = JSON.stringify({ language: 'python', code: 'print("hello")' });
/** The ids of the jobs sent (replaced by <job> in the listing). */
const jobIds = new Set();
async function hello() {
  const response = await fetch(`${kiln.base}/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const answer = await response.json();
  if (answer.run?.stdout !== 'hello\n') throw new Error(`wrong answer (${response.status}): ${JSON.stringify(answer).slice(0, 300)}`);
  jobIds.add(answer.id);
  return answer;
}

/** The probe's counts now (it writes them when signalled); `command`: start or stop its profiler too. */
async function probed(command = '') {
  rmSync(probeFile, { force: true });
  if (command) writeFileSync(`${probeFile}.cmd`, command);
  process.kill(kilnPid, 'SIGUSR2');
  for (let i = 0; i < 100; i++) {
    try {
      return JSON.parse(readFileSync(probeFile, 'utf8'));
    } catch {
      await sleep(20);
    }
  }
  throw new Error('the probe did not answer');
}

/** Busy and total jiffies of the whole machine (/proc/stat). */
function machineTicks() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const numbers = fields.map(Number);
  const idle = numbers[3] + numbers[4];
  return { busy: numbers.reduce((a, b) => a + b, 0) - idle };
}

async function redisCpuMicros() {
  const info = await redis.client.info('cpu');
  const field = (name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)[1]);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

async function commandStats() {
  const stats = {};
  for (const line of (await redis.client.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (match) stats[match[1]] = Number(match[2]);
  }
  return stats;
}

async function snapshot(command) {
  const [counts, redisCpu, commands] = await Promise.all([probed(command), redisCpuMicros(), commandStats()]);
  return { counts, redisCpu, commands, machine: machineTicks(), wall: performance.now() };
}

const sum = (values) => Object.values(values).reduce((a, b) => a + b, 0);
function diffCounts(after, before) {
  const out = {};
  for (const [key, value] of Object.entries(after)) if (value - (before[key] ?? 0) > 0) out[key] = value - (before[key] ?? 0);
  return out;
}

/** Names of BullMQ's scripts, and of libs/store's where the measured tree has them, by SHA-1 (EVALSHA carries only that). */
function knownScripts() {
  const require = createRequire(join(root, 'package.json'));
  const names = {};
  const store = join(root, 'dist/libs/store/src');
  if (existsSync(join(store, 'scripts/store-script.js'))) {
    require(join(store, 'index.js'));
    for (const script of require(join(store, 'scripts/store-script.js')).StoreScript.all) {
      names[createHash('sha1').update(script.lua).digest('hex')] = `kiln:${script.name}`;
    }
  }
  const dir = join(require.resolve('bullmq').replace(/dist\/cjs\/.*$/, ''), 'dist/cjs/scripts');
  for (const file of readdirSync(dir).filter((f) => /-\d+\.js$/.test(f))) {
    const script = Object.values(require(join(dir, file)))[0];
    if (script?.content) names[createHash('sha1').update(script.content).digest('hex')] = `bullmq:${script.name}`;
  }
  return names;
}

// ---------------------------------------------------------------- warm-up
for (let i = 0; i < 20; i++) await hello();

// ------------------------------------------------- one job at a time, traced
const scripts = knownScripts();
const prefix = kiln.prefix;
/** An EVAL's script, by the SHA-1 its EVALSHA would name, with its first line (listed once at the end). */
const evalScripts = new Map();
function scriptLabel(lua) {
  const label = `script#${createHash('sha1').update(lua).digest('hex').slice(0, 8)}`;
  evalScripts.set(label, lua.trim().split('\n')[0]);
  return label;
}

/** A command as one line: ids and the prefix replaced, long values cut. */
function describe(argv) {
  const [name, ...rest] = argv;
  let shown = rest;
  if (/^evalsha$/i.test(name)) shown = [scripts[rest[0]] ?? `sha ${rest[0].slice(0, 8)}`, ...rest.slice(2, 2 + Number(rest[1]))];
  if (/^eval$/i.test(name)) shown = [scriptLabel(rest[0]), ...rest.slice(2, 2 + Number(rest[1]))];
  const text = shown
    .map((arg) => String(arg).replaceAll(prefix, '<p>').replace(/[A-Za-z0-9_-]{22}/g, (id) => (jobIds.has(id) ? '<job>' : id)))
    .map((arg) => (arg.length > 70 ? `${arg.slice(0, 67)}…` : arg))
    .join(' ');
  return `${name.toUpperCase()} ${text}`;
}

/** MONITOR's line `+<time> [<db> <source>] "cmd" "arg" …` as { time (ms), argv, lua }. */
function parseMonitorLine(line) {
  const head = /^\+(\d+\.\d+) \[\d+ ([^\]]+)\] /.exec(line);
  if (!head) return null;
  const argv = [];
  for (const match of line.slice(head[0].length).matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    const escapes = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' };
    argv.push(match[1].replace(/\\x([0-9a-f]{2})|\\(.)/g, (_, hex, char) => (hex ? String.fromCharCode(parseInt(hex, 16)) : (escapes[char] ?? char))));
  }
  return { time: Number(head[1]) * 1000, argv, lua: head[2] === 'lua' };
}

/** Every command Redis executes while `action` runs, from a MONITOR connection of our own. */
async function monitored(action) {
  const socket = connect(Number(redisPort), '127.0.0.1');
  const lines = [];
  let rest = '';
  socket.on('data', (chunk) => {
    const text = rest + chunk.toString('latin1');
    const parts = text.split('\r\n');
    rest = parts.pop();
    for (const part of parts) {
      const parsed = parseMonitorLine(part);
      if (parsed) lines.push(parsed);
    }
  });
  socket.write('MONITOR\r\n');
  await sleep(100);
  const result = await action();
  await sleep(200);
  socket.destroy();
  return { lines, result };
}

const { lines: idleLines, result: idle } = await monitored(async () => {
  const before = await snapshot();
  await sleep(TRACE_GAP_MS * traced);
  return { before, after: await snapshot() };
});
const { lines: jobLines, result: trace } = await monitored(async () => {
  const before = await snapshot();
  const windows = [];
  for (let i = 0; i < traced; i++) {
    const started = Date.now();
    await hello();
    await sleep(TRACE_GAP_MS);
    windows.push([started, Date.now()]);
  }
  return { before, after: await snapshot(), windows };
});

const perJob = (n) => n / traced;
const clientCommands = (lines) => lines.filter((line) => !line.lua);
const byName = (lines) => {
  const counts = {};
  for (const line of lines) counts[describe(line.argv).split(' ').slice(0, 2).join(' ')] = (counts[describe(line.argv).split(' ').slice(0, 2).join(' ')] ?? 0) + 1;
  return counts;
};
const idleByName = byName(clientCommands(idleLines));
const jobByName = byName(clientCommands(jobLines));

console.log(`Kiln ${mode} mode, ${root}; private redis-server ${redisPort}; machine load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
console.log(`\n== one Python hello /execute at a time (${traced} jobs, ${TRACE_GAP_MS} ms apart), per job, idle background subtracted ==`);
const jobWrites = diffCounts(trace.after.counts.redisWrites, trace.before.counts.redisWrites);
const idleWrites = diffCounts(idle.after.counts.redisWrites, idle.before.counts.redisWrites);
console.log(`Redis round trips (socket writes) per job: ${((sum(jobWrites) - sum(idleWrites)) / traced).toFixed(1)}`);
for (const name of Object.keys(jobWrites).sort()) console.log(`  ${perJob((jobWrites[name] ?? 0) - (idleWrites[name] ?? 0)).toFixed(1).padStart(6)}  on ${name}`);
const net = (job, background) => perJob(job - (background ?? 0));
console.log(`Redis commands sent per job: ${net(clientCommands(jobLines).length, clientCommands(idleLines).length).toFixed(1)}; run inside scripts: ${net(jobLines.filter((l) => l.lua).length, idleLines.filter((l) => l.lua).length).toFixed(1)}`);
for (const [name, count] of Object.entries(jobByName).sort((a, b) => b[1] - a[1])) {
  const value = net(count, idleByName[name]);
  if (Math.abs(value) >= 0.05) console.log(`  ${value.toFixed(1).padStart(6)}  ${name}`);
}
const jobsAdded = clientCommands(jobLines).filter((l) => /addStandardJob|addPrioritizedJob|addDelayedJob/.test(describe(l.argv)));
console.log(`BullMQ jobs added per job: ${perJob(jobsAdded.length).toFixed(1)} (${[...new Set(jobsAdded.map((l) => describe(l.argv).split(' ')[1]))].join(', ')})`);
const xadds = jobLines.filter((l) => /^xadd$/i.test(l.argv[0]));
const kilnLog = xadds.filter((l) => /:job:[^:]+:events$/.test(l.argv[1]));
console.log(`Event-log entries (XADD <p>:job:<id>:events) per job: ${perJob(kilnLog.length).toFixed(1)}; BullMQ event-stream entries (inside its scripts): ${net(xadds.length - kilnLog.length, idleLines.filter((l) => /^xadd$/i.test(l.argv[0])).length).toFixed(1)}`);
const publishes = jobLines.filter((l) => /^publish$/i.test(l.argv[0]));
console.log(`PUBLISH per job: ${perJob(publishes.length).toFixed(1)} (${[...new Set(publishes.map((l) => describe(l.argv).split(' ')[1]))].join(', ')})`);
const dockerCalls = diffCounts(trace.after.counts.docker, trace.before.counts.docker);
const idleDocker = diffCounts(idle.after.counts.docker, idle.before.counts.docker);
console.log(`Docker Engine API requests per job: ${((sum(dockerCalls) - sum(idleDocker)) / traced).toFixed(1)}`);
for (const call of Object.keys(dockerCalls)) console.log(`  ${net(dockerCalls[call], idleDocker[call]).toFixed(1).padStart(6)}  ${call}`);

// The middle traced job, command by command (background in its window included, marked *).
const [from, to] = trace.windows[Math.floor(traced / 2)];
const idleSet = new Set(Object.keys(idleByName));
console.log(`\n-- the commands of one job, in order (ms from its request; * = also seen while idle; lua = inside a script) --`);
for (const line of jobLines.filter((l) => l.time >= from && l.time < to)) {
  const text = describe(line.argv);
  const mark = idleSet.has(text.split(' ').slice(0, 2).join(' ')) ? '*' : ' ';
  console.log(`${(line.time - from).toFixed(1).padStart(7)} ${mark}${line.lua ? ' lua ' : '     '}${text}`);
}

if (evalScripts.size) console.log(`\nscripts sent as EVAL: ${[...evalScripts].map(([label, line]) => `${label} «${line}»`).join('; ')}`);

// ---------------------------------------------------- back-to-back load
await redis.client.config('RESETSTAT');
const before = await snapshot(profiling ? 'profile-start' : '');
let issued = 0;
await Promise.all(
  Array.from({ length: clients }, async () => {
    while (issued < jobs) {
      issued++;
      await hello();
    }
  }),
);
const after = await snapshot(profiling ? 'profile-stop' : '');
const seconds = (after.wall - before.wall) / 1000;
const tickMs = 1000 / 100;
console.log(`\n== back to back: ${jobs} Python hello jobs, ${clients} clients, ${(jobs / seconds).toFixed(1)} jobs/s (${seconds.toFixed(1)} s) ==`);
console.log(`Kiln process CPU per job: ${((after.counts.cpuMicros - before.counts.cpuMicros) / jobs / 1000).toFixed(2)} ms`);
console.log(`Redis CPU per job:        ${((after.redisCpu - before.redisCpu) / jobs / 1000).toFixed(2)} ms`);
console.log(`whole machine CPU per job: ${(((after.machine.busy - before.machine.busy) * tickMs) / jobs).toFixed(1)} ms (everything running here, other users too)`);
const writes = diffCounts(after.counts.redisWrites, before.counts.redisWrites);
console.log(`Redis round trips per job: ${(sum(writes) / jobs).toFixed(1)}; commands executed per job (scripts' own included): ${(sum(after.commands) / jobs).toFixed(1)}`);
for (const name of Object.keys(writes).sort()) console.log(`  ${(writes[name] / jobs).toFixed(2).padStart(6)}  on ${name}`);
const allWrites = diffCounts(after.counts.socketWrites, before.counts.socketWrites);
console.log(`socket write system calls per job, by peer: ${Object.entries(allWrites).map(([peer, n]) => `${peer} ${(n / jobs).toFixed(2)}`).join(', ')}`);
console.log('Redis commands executed per job, most first:');
for (const [name, count] of Object.entries(after.commands).sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`  ${(count / jobs).toFixed(2).padStart(6)}  ${name}`);
const loadDocker = diffCounts(after.counts.docker, before.counts.docker);
console.log(`Docker Engine API requests per job: ${(sum(loadDocker) / jobs).toFixed(2)} (${Object.entries(loadDocker).map(([c, n]) => `${c} ${(n / jobs).toFixed(2)}`).join(', ')})`);

await kiln.stop();
await redis.stop();
if (profiling) {
  console.log(`\n== CPU profile of the Kiln process during the load (V8 sampling profiler, 250 µs) ==`);
  console.log(profileSummary(JSON.parse(readFileSync(`${probeFile}.cpuprofile`, 'utf8')), before.counts.hrtimeMicros, after.counts.hrtimeMicros, jobs));
}
if (profiling) console.log(`\n(the profile: ${probeFile}.cpuprofile)`);
else rmSync(work, { recursive: true, force: true });
process.exit(0);
