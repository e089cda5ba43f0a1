#!/usr/bin/env node
// npm run bench: Kiln's default configuration and each sandbox tier, side by
// side with Piston (when PISTON_URL names a running one) and with the
// ceilings of this machine without Kiln, all measured in one run, every
// request back to back. Prints Markdown tables (README quotes them) and the
// targets of issue 14, each pass or miss. Not a test: a missed target is
// reported, not failed. Exits non-zero only when something answered wrongly
// or could not run.
//
// Usage: node scripts/bench.mjs [--quick] [--tiers]   (--quick: fewer requests, for development;
//                                                     --tiers: the tier rows only)
//        PISTON_URL=http://127.0.0.1:2000 node scripts/bench.mjs   (adds Piston's column and the ratios)
// Needs the build (dist/) and the runtime images; `npm run bench` makes both first.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { containerCeiling, dockerRunTimes, nestedCeiling, rawChurn } from './bench/baselines.mjs';
import { cpuMeter } from './bench/cpu.mjs';
import { bookkeepingFloor } from './bench/floor.mjs';
import { BASELINE_DEPLOYMENT, sweepBenchLeftovers } from './bench/leftovers.mjs';
import { startKiln } from './bench/kiln-process.mjs';
import { backToBack, burst, judged, throughput } from './bench/load.mjs';
import { C_HELLO, PROGRAMS, judgeSubmissions, kilnPeer } from './bench/peers.mjs';
import { connectPiston } from './bench/piston.mjs';
import { startRedis } from './bench/redis-server.mjs';
import { cpuTime, latency, loadAverage, machine, markdown, rate, ratio, targetRow } from './bench/report.mjs';
import { summary } from './bench/stats.mjs';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const quick = process.argv.includes('--quick');
const tiersOnly = process.argv.includes('--tiers');
const N = quick
  ? { dockerRun: 3, churn: 16, warmup: 5, latency: 15, jobs: 48, cRepeated: 5, submissions: 4, pistonSubmissions: 2, tests: 5, burst: 100 }
  : { dockerRun: 10, churn: 64, warmup: 10, latency: 60, jobs: 240, cRepeated: 30, submissions: 20, pistonSubmissions: 5, tests: 20, burst: 500 };
const CLIENTS = 8;
const log = (message) => console.error(`[bench] ${message}`);

/** A container configuration of a tier, as the worker builds it (built code). */
function sandboxSpec(mode) {
  const { sandboxContainerSpec } = require(join(root, 'dist/apps/worker/src/runtime-choice.js'));
  const { loadConfig } = require(join(root, 'dist/libs/config/src/index.js'));
  const { config } = loadConfig({ ...process.env, KILN_HOME: root });
  const labels = { jobId: '', taskId: '', workerId: 'bench', instance: 'bench', deployment: BASELINE_DEPLOYMENT };
  return sandboxContainerSpec(mode, { image: 'kiln/python:latest', limits: { memoryMb: 256, cpus: 1, processes: 64 }, labels }, config.sandbox);
}
const agentSession = () => require(join(root, 'dist/apps/worker/src/agent/agent-session.js')).AgentSession;

/**
 * The headline figures of one engine: Python hellos back to back by one
 * client, then by CLIENTS closed-loop clients with the CPU time they cost.
 * A warm-up first, as a user's first requests (the pools follow demand).
 */
async function headline(peer, processes) {
  await backToBack(peer, PROGRAMS.pythonHello, N.warmup);
  await throughput(peer, PROGRAMS.pythonHello, N.warmup * CLIENTS, CLIENTS);
  const oneClient = summary(await backToBack(peer, PROGRAMS.pythonHello, N.latency));
  const meter = cpuMeter(processes);
  const jobsPerSecond = await throughput(peer, PROGRAMS.pythonHello, N.jobs, CLIENTS);
  return { oneClient, jobsPerSecond, cpu: meter.stop(N.jobs) };
}

/** A C hello's first submission (compile and run), then the same again (the compile cache). */
async function cHellos(peer, tag) {
  const code = C_HELLO.replace('int main', `/* ${Date.now()}-${tag} */ int main`);
  const first = await peer.run(PROGRAMS.cHello(code));
  return { first, repeated: summary(await backToBack(peer, () => PROGRAMS.cHello(code), N.cRepeated)) };
}

/**
 * Kiln standalone as `npm start` runs it (nothing changed but `env`), on its
 * own port, Redis prefix and redis-server (append-only, as standalone starts
 * one), so that the Redis CPU time is Kiln's alone.
 */
async function measureKiln(name, env, extras) {
  log(`Kiln, ${name}`);
  const redis = await startRedis({ appendOnly: true });
  const kiln = await startKiln(root, { KILN_REDIS__URL: redis.url, KILN_REDIS__EMBEDDED: 'false', ...env });
  try {
    const peer = kilnPeer(kiln.base);
    const figures = { sandbox: kiln.sandbox, ...(await headline(peer, { own: kiln.pid, redis: redis.pid })) };
    if (extras.c) figures.c = await cHellos(peer, name);
    if (extras.judge) figures.judge = await judged(peer, extras.judge, CLIENTS);
    if (extras.burst) figures.burst = await burst(peer, PROGRAMS.pythonHello, N.burst);
    return figures;
  } finally {
    await kiln.stop();
    await redis.stop();
  }
}

async function measurePiston(url, submissions) {
  const piston = await connectPiston(url);
  log(`Piston at ${url} (${piston.versions}${piston.pid ? `, pid ${piston.pid}` : ', its process not found: no own CPU figure'})`);
  const figures = await headline(piston.peer, { own: piston.pid });
  // Tests per second is a rate, and Piston's requests are all alike (each compiles and runs one test):
  // the first few submissions measure it, so the run stays minutes long.
  return { ...figures, versions: piston.versions, judge: await judged(piston.peer, submissions.slice(0, N.pistonSubmissions), CLIENTS) };
}

/**
 * The isolation tiers (README, "Sandbox"; test/support/tiers.ts), each a
 * worker's sandbox.mode under its sandbox.runtime, so the cost of each step
 * up in isolation is a number of the same run.
 */
const TIERS = [
  { name: 'container (runc)', env: { KILN_SANDBOX__MODE: 'container', KILN_SANDBOX__RUNTIME: 'runc' } },
  { name: 'nested (runc)', env: { KILN_SANDBOX__MODE: 'nested', KILN_SANDBOX__RUNTIME: 'runc' } },
  { name: 'container (runsc, gVisor)', env: { KILN_SANDBOX__MODE: 'container', KILN_SANDBOX__RUNTIME: 'runsc' } },
];

/** The tier rows: one client's back-to-back p50 and CLIENTS clients' throughput, with the CPU per job. */
function printTiers(tiers) {
  console.log(`\nIsolation tiers (Python hello; the tier as /health says it):\n`);
  console.log(
    markdown(
      ['tier', 'as /health says it', 'back to back, 1 client: p50', `${CLIENTS} clients: throughput`, 'CPU per job, whole machine'],
      tiers.map(({ name, figures }) => [
        name,
        figures.sandbox ? `${figures.sandbox.mode}, ${figures.sandbox.runtime}` : '',
        latency(figures.oneClient),
        rate(figures.jobsPerSecond),
        cpuTime(figures.cpu.machine),
      ]),
    ),
  );
}

/** The tiers measured one after another, reusing the figures of a tier the run measured already. */
async function measureTiers(measured = {}) {
  const tiers = [];
  for (const tier of TIERS) tiers.push({ name: tier.name, figures: measured[tier.name] ?? (await measureKiln(`tier ${tier.name}`, tier.env, {})) });
  return tiers;
}

async function main() {
  await sweepBenchLeftovers(log);
  if (tiersOnly) {
    const before = machine();
    const tiers = await measureTiers();
    console.log(`Machine: ${before}`);
    console.log(`Command: node scripts/bench.mjs --tiers${quick ? ' --quick' : ''} (${new Date().toISOString()})`);
    printTiers(tiers);
    console.log(`\nload average after: ${loadAverage()}`);
    return;
  }
  const before = machine();
  log(before);
  const submissions = judgeSubmissions(N.submissions, N.tests);
  log('baseline: docker run --rm');
  await dockerRunTimes(2);
  const dockerRun = summary(await dockerRunTimes(N.dockerRun));
  const kilnDefault = await measureKiln('default configuration', {}, { c: true, judge: submissions, burst: true });
  const container = await measureKiln('sandbox.mode container', TIERS[0].env, {});
  // Each tier's ceiling right after Kiln ran it (and stopped), under the same load.
  log('ceilings without Kiln: a container per task, raw container churn');
  container.ceiling = {
    perTask: await containerCeiling(sandboxSpec('container'), agentSession(), N.churn, CLIENTS),
    churn: await rawChurn(sandboxSpec('container'), N.churn, CLIENTS),
  };
  const nested = await measureKiln('sandbox.mode nested', TIERS[1].env, {});
  log('ceiling without Kiln: nested sandboxes');
  nested.ceiling = await nestedCeiling(sandboxSpec('nested'), agentSession(), N.jobs, CLIENTS);
  log('floor without Kiln: the parts of a job alone');
  nested.floor = await bookkeepingFloor(root, sandboxSpec('nested'), { clients: CLIENTS, warmup: N.warmup, latencyCount: N.latency, jobs: N.jobs, program: PROGRAMS.pythonHello });
  const tiers = await measureTiers({ [TIERS[0].name]: container, [TIERS[1].name]: nested });
  const piston = process.env.PISTON_URL ? await measurePiston(process.env.PISTON_URL, submissions) : null;
  const results = { dockerRun, kilnDefault, container, nested, piston };
  print(before, results, tiers);
  const failures = kilnDefault.burst.failures;
  if (failures.length) {
    log(`wrong or missing answers in the burst:\n  ${failures.slice(0, 5).join('\n  ')}`);
    process.exit(1);
  }
}

function print(before, { dockerRun, kilnDefault, container, nested, piston }, tiers) {
  const configuration = kilnDefault.sandbox ? `sandbox.mode auto chose ${kilnDefault.sandbox.mode} here` : 'sandbox.mode auto';
  console.log(`Machine: ${before}`);
  console.log(`Command: ${piston ? `PISTON_URL=${process.env.PISTON_URL} ` : ''}npm run bench${quick ? ' -- --quick' : ''} (${new Date().toISOString()})`);
  console.log(`Kiln: one standalone process, the default configuration (${configuration}); its own redis-server (append-only, as standalone starts one).`);
  if (kilnDefault.sandbox) console.log(`Kiln's tier, as /health says it: ${kilnDefault.sandbox.mode} (${kilnDefault.sandbox.reason}).`);
  if (piston) console.log(`Piston: ${process.env.PISTON_URL} (${piston.versions}).`);
  console.log(`Every request back to back (no pause): one client, then ${CLIENTS} closed-loop clients. CPU per job over the ${N.jobs} jobs of the ${CLIENTS}-client run.\n`);

  const engines = [kilnDefault, container, nested, ...(piston ? [piston] : [])];
  const each = (cell) => engines.map((engine) => (engine ? cell(engine) : ''));
  const judge = `${N.submissions} submissions × ${N.tests} tests of a C++ A+B, ${CLIENTS} requests at once (Kiln: one request per submission with \`tests\`, compiled once; Piston: one request per test, the first ${N.pistonSubmissions} submissions)`;
  console.log(
    markdown(['measurement', `Kiln default (${kilnDefault.sandbox?.mode ?? 'auto'})`, 'Kiln, container mode', 'Kiln, nested mode', ...(piston ? ['Piston'] : [])], [
      ['Python hello, 1 client, back to back', ...each((e) => latency(e.oneClient))],
      [`Python hello, ${CLIENTS} clients, back to back`, ...each((e) => rate(e.jobsPerSecond))],
      ['CPU per job, whole machine (/proc/stat)', ...each((e) => cpuTime(e.cpu.machine))],
      ['CPU per job, the engine’s own process (Kiln standalone; Piston’s API)', ...each((e) => cpuTime(e.cpu.own))],
      ['CPU per job, Redis', ...each((e) => cpuTime(e.cpu.redis))],
      ['C hello, first submission (compile and run)', `${kilnDefault.c.first.toFixed(0)} ms`],
      ['C hello, repeated (compile cache), 1 client', latency(kilnDefault.c.repeated)],
      [`judge: ${judge}`, rate(kilnDefault.judge, 'tests/s'), '', '', ...(piston ? [rate(piston.judge, 'tests/s')] : [])],
      [`burst of ${N.burst} simultaneous /execute`, `${kilnDefault.burst.ok}/${kilnDefault.burst.count} correct, ${kilnDefault.burst.throttled} × 429, in ${kilnDefault.burst.seconds.toFixed(1)} s`],
    ]),
  );

  console.log(`\nThe same run without Kiln (the ceilings of this machine):\n`);
  console.log(
    markdown(['measurement', 'figure'], [
      ['`docker run --rm` of the Python hello (the sandbox’s main restrictions), 1 client', `${latency(dockerRun)}, ${rate(1000 / dockerRun.p50, 'runs/s')} at p50`],
      [`a container per task as Kiln makes one (create, attach, start, agent’s hello, Python hello, remove), ${CLIENTS} in parallel`, rate(container.ceiling.perTask, 'tasks/s')],
      [`the engine’s own start rate: raw churn of Kiln’s container spec running /bin/true (create, start, wait, remove), ${CLIENTS} in parallel`, rate(container.ceiling.churn, 'containers/s')],
      [`Python hello in fresh nested sandboxes, ${CLIENTS} outer containers, no Kiln`, rate(nested.ceiling, 'tasks/s')],
      [
        `the parts of a job alone (scripts/bench/floor-process.mjs): an HTTP request and answer (node:http), the job's record written when accepted and when ended, one BullMQ job, the hello in a fresh nested sandbox through Kiln's agent session; ${CLIENTS} clients`,
        `1 client: ${latency(nested.floor.oneClient)}; ${CLIENTS} clients: ${rate(nested.floor.jobsPerSecond)}; CPU per job: its process ${cpuTime(nested.floor.cpu.own)}, Redis ${cpuTime(nested.floor.cpu.redis)}, whole machine ${cpuTime(nested.floor.cpu.machine)}`,
      ],
    ]),
  );

  printTiers(tiers);

  console.log(`\nTargets (issue 14; default configuration unless named):\n`);
  console.log(markdown(['target', 'measured (same run)', 'met'], targets({ dockerRun, kilnDefault, container, nested, piston }).map(targetRow)));
  console.log(`\nload average after: ${loadAverage()}`);
}

/**
 * A back-to-back client of container mode needs a new container per task:
 * once the pool is empty it cannot go faster than the engine starts them,
 * which the same-run ceiling says.
 */
function withBound(row, perTaskCeiling) {
  return { ...row, measured: `${row.measured} (the engine's container-per-task ceiling here, ${rate(perTaskCeiling, 'tasks/s')}, is ${(1000 / perTaskCeiling).toFixed(0)} ms a task)` };
}

/** A CPU figure beside what the same parts cost without Kiln in the same run (floor.mjs). */
function withFloor(measured, floor) {
  return `${measured} (a job's parts alone, without Kiln, in this run: ${cpuTime(floor)})`;
}

/** A comparison with Piston beside what a job's parts alone reach against it in the same run (floor.mjs). */
function besideFloor(row, floorFigure, theirs, unit) {
  return { ...row, measured: `${row.measured} (a job's parts alone, without Kiln: ${floorFigure.toFixed(1)} ${unit}, ${ratio(floorFigure / theirs)})` };
}

/** Each target of issue 14 with its figures; those against Piston need PISTON_URL. */
function targets({ dockerRun, kilnDefault: k, container, nested, piston }) {
  const noPiston = { met: null, why: 'no PISTON_URL' };
  const versus = (mine, theirs, unit, limit, atMost) => ({
    measured: `${mine.toFixed(1)} ${unit} against ${theirs.toFixed(1)} ${unit}: ${ratio(mine / theirs)}`,
    met: atMost ? mine <= limit * theirs : mine >= limit * theirs,
  });
  const own = k.cpu.own;
  const { floor } = nested;
  return [
    { target: 'Python hello p50, 1 client, ≤ 0.7× Piston’s', ...(piston ? besideFloor(versus(k.oneClient.p50, piston.oneClient.p50, 'ms', 0.7, true), floor.oneClient.p50, piston.oneClient.p50, 'ms') : noPiston) },
    { target: `Python hello throughput, ${CLIENTS} clients, ≥ 1.5× Piston’s`, ...(piston ? besideFloor(versus(k.jobsPerSecond, piston.jobsPerSecond, 'jobs/s', 1.5, false), floor.jobsPerSecond, piston.jobsPerSecond, 'jobs/s') : noPiston) },
    { target: 'whole-machine CPU per hello job ≤ 0.7× Piston’s', ...(piston ? besideFloor(versus(k.cpu.machine, piston.cpu.machine, 'ms', 0.7, true), floor.cpu.machine, piston.cpu.machine, 'ms') : noPiston) },
    { target: 'Kiln’s own process ≤ 5 ms CPU per job', measured: withFloor(cpuTime(own), floor.cpu.own), met: own <= 5 },
    { target: 'Redis ≤ 1.5 ms CPU per job', measured: withFloor(cpuTime(k.cpu.redis), floor.cpu.redis), met: k.cpu.redis <= 1.5 },
    { target: 'judge workload: tests per second ≥ 3× Piston’s', ...(piston ? versus(k.judge, piston.judge, 'tests/s', 3, false) : noPiston) },
    { target: 'container mode: Python hello p50, 1 client, ≤ 0.3× `docker run --rm`', ...withBound(versus(container.oneClient.p50, dockerRun.p50, 'ms', 0.3, true), container.ceiling.perTask) },
    { target: `container mode: throughput, ${CLIENTS} clients, ≥ 0.85× a container per task without Kiln`, ...versus(container.jobsPerSecond, container.ceiling.perTask, 'per s', 0.85, false) },
    { target: 'repeated C hello (compile cache) p50 ≤ 1.2× the Python hello’s', ...versus(k.c.repeated.p50, k.oneClient.p50, 'ms', 1.2, true) },
    {
      target: `a burst of ${N.burst} simultaneous /execute: all correct, none lost, no 429`,
      measured: `${k.burst.ok}/${k.burst.count} correct, ${k.burst.throttled} × 429`,
      met: k.burst.ok === k.burst.count && k.burst.throttled === 0,
    },
  ];
}

main().catch((error) => {
  log(`failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
