#!/usr/bin/env node
// npm run bench: Kiln's performance against its baselines, measured in one
// run on this machine, printed as a Markdown table (README quotes it). Not a
// test: a missed target is reported, not failed. Exits non-zero only when
// something answered wrongly or Kiln could not run.
//
// Usage: node scripts/bench.mjs [--quick]   (--quick: fewer requests, for a smoke run)
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { containerCeiling, dockerRunTimes, nestedCeiling, rawChurn } from './bench/baselines.mjs';
import { startKiln } from './bench/kiln-process.mjs';
import { C_HELLO, PYTHON_HELLO, burst, executeHello, sequential, throughput } from './bench/load.mjs';
import { latency, machine, rate, table } from './bench/report.mjs';
import { summary } from './bench/stats.mjs';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const quick = process.argv.includes('--quick');
const N = quick
  ? { dockerRun: 3, churn: 16, latency: 10, cRepeated: 5, jobs: 40, burst: 20 }
  : { dockerRun: 10, churn: 64, latency: 60, cRepeated: 30, jobs: 200, burst: 100 };
const CLIENTS = 8;
/**
 * worker.concurrency of the benchmarked Kiln: as many tasks at once as there
 * are clients (the default configuration's 2 is sized for CPU-heavy programs;
 * hello worlds mostly wait). KILN_WORKER__CONCURRENCY overrides it.
 */
const WORKER_CONCURRENCY = Number(process.env.KILN_WORKER__CONCURRENCY ?? CLIENTS);
/** Sequential requests in default mode are paced so the pool's refills (container starts) keep up. */
const THINK_MS = 200;
const KILN_ENV = {
  // /execute of a burst waits for the whole queue ahead of it.
  KILN_COORDINATOR__EXECUTE__WAIT_MARGIN_MS: '300000',
  KILN_WORKER__CONCURRENCY: String(WORKER_CONCURRENCY),
};

/** Kiln's own container spec (built code) for the given sandbox mode. */
function sandboxSpec(mode) {
  const { sandboxContainerSpec } = require(join(root, 'dist/apps/worker/src/runtime-choice.js'));
  const { loadConfig } = require(join(root, 'dist/libs/config/src/index.js'));
  const { config } = loadConfig({ ...process.env, KILN_HOME: root, KILN_SANDBOX__MODE: mode });
  const labels = { jobId: '', taskId: '', workerId: 'bench', instance: 'bench', deployment: 'kiln-bench-baseline' };
  return sandboxContainerSpec({ image: 'kiln/python:latest', limits: { memoryMb: 256, cpus: 1, processes: 64 }, labels }, config.sandbox);
}

const agentSession = () => require(join(root, 'dist/apps/worker/src/agent/agent-session.js')).AgentSession;

async function measureMode(mode) {
  const kiln = await startKiln(root, { ...KILN_ENV, KILN_SANDBOX__MODE: mode });
  try {
    const think = mode === 'container' ? THINK_MS : 0;
    await sequential(kiln.base, 'python', PYTHON_HELLO, 5, think); // warm-up: demand makes the pool
    const python = summary(await sequential(kiln.base, 'python', PYTHON_HELLO, N.latency, think));
    const uniqueC = C_HELLO.replace('int main', `/* ${Date.now()}-${mode} */ int main`);
    const cFirst = (await executeHello(kiln.base, 'c', uniqueC)).ms;
    const cRepeated = summary(await sequential(kiln.base, 'c', uniqueC, N.cRepeated, think));
    // The throughput's baselines are measured just before and after it, so all see the same load.
    const churnBefore = await rawChurn(sandboxSpec('container'), N.churn, CLIENTS);
    const jobsPerSecond = await throughput(kiln.base, 'python', PYTHON_HELLO, N.jobs, CLIENTS);
    const churnAfter = await rawChurn(sandboxSpec('container'), N.churn, CLIENTS);
    const ceiling =
      mode === 'container'
        ? await containerCeiling(sandboxSpec('container'), agentSession(), N.churn, CLIENTS)
        : await nestedCeiling(sandboxSpec('nested'), agentSession(), N.jobs, WORKER_CONCURRENCY);
    const burstResult = await burst(kiln.base, 'python', PYTHON_HELLO, N.burst);
    return { python, cFirst, cRepeated, jobsPerSecond, churn: (churnBefore + churnAfter) / 2, churns: [churnBefore, churnAfter], ceiling, burst: burstResult };
  } finally {
    await kiln.stop();
  }
}

async function main() {
  const before = machine();
  console.error(`[bench] ${before}`);
  console.error('[bench] baseline: docker run --rm');
  await dockerRunTimes(2);
  const dockerRun = summary(await dockerRunTimes(N.dockerRun));
  console.error('[bench] Kiln, default mode (one fresh container per task)');
  const container = await measureMode('container');
  console.error('[bench] Kiln, nested mode');
  const nested = await measureMode('nested');

  const rows = [
    { what: 'Python hello, sequential /execute, default mode', kiln: latency(container.python), baseline: `docker run --rm: ${latency(dockerRun)}`, ratio: container.python.p50 / dockerRun.p50, target: '≤ 0.12× (p50)', met: container.python.p50 <= 0.12 * dockerRun.p50 },
    { what: 'Python hello, sequential /execute, nested mode', kiln: latency(nested.python), baseline: `docker run --rm p50 ${dockerRun.p50.toFixed(0)} ms`, ratio: nested.python.p50 / dockerRun.p50 },
    { what: 'C hello, first submission (compile + run), default mode', kiln: `${container.cFirst.toFixed(0)} ms` },
    { what: 'C hello, repeated (compile cache), default mode', kiln: latency(container.cRepeated), baseline: `Python p50 ${container.python.p50.toFixed(0)} ms`, ratio: container.cRepeated.p50 / container.python.p50, target: '≤ 1.5× (p50)', met: container.cRepeated.p50 <= 1.5 * container.python.p50 },
    { what: 'C hello, repeated, nested mode', kiln: latency(nested.cRepeated), baseline: `Python p50 ${nested.python.p50.toFixed(0)} ms`, ratio: nested.cRepeated.p50 / nested.python.p50 },
    ...[['default', container, '≥ 0.9×', 0.9], ['nested', nested, '≥ 10×', 10]].map(([name, m, target, factor]) => ({
      what: `throughput, ${N.jobs} Python hello jobs, ${CLIENTS} clients, ${name} mode`,
      kiln: rate(m.jobsPerSecond),
      baseline: `raw churn: ${rate(m.churn, 'containers/s')} (${m.churns.map((c) => c.toFixed(1)).join(' before, ')} after)`,
      ratio: m.jobsPerSecond / m.churn,
      target,
      met: m.jobsPerSecond >= factor * m.churn,
    })),
    {
      what: `ceiling without Kiln: a container per task (create, attach, start, agent's hello, Python hello, remove), ${CLIENTS} in parallel`,
      kiln: rate(container.ceiling, 'tasks/s'),
      baseline: `raw churn: ${rate(container.churn, 'containers/s')}`,
      ratio: container.ceiling / container.churn,
    },
    {
      what: `ceiling without Kiln: Python hello in fresh nested sandboxes, ${WORKER_CONCURRENCY} outer containers`,
      kiln: rate(nested.ceiling, 'tasks/s'),
      baseline: `raw churn: ${rate(nested.churn, 'containers/s')}`,
      ratio: nested.ceiling / nested.churn,
    },
    ...[['default', container], ['nested', nested]].map(([name, m]) => ({
      what: `burst of ${N.burst} simultaneous /execute, ${name} mode`,
      kiln: `${m.burst.ok}/${m.burst.count} correct in ${m.burst.seconds.toFixed(1)} s`,
      target: 'all correct',
      met: m.burst.ok === m.burst.count,
    })),
  ];
  console.log(`Machine: ${before}`);
  console.log(`Command: npm run bench${quick ? ' -- --quick' : ''} (${new Date().toISOString()})`);
  console.log(`Kiln: one standalone process, default configuration except worker.concurrency ${WORKER_CONCURRENCY} and a longer /execute wait (bursts).`);
  console.log(`Sequential default-mode requests are ${THINK_MS} ms apart (the pool refills between them); nested-mode ones back to back.\n`);
  console.log(table(rows));
  console.log(`\nload average after: ${machine().split('load average ')[1]}`);
  const failures = [container, nested].flatMap((m) => m.burst.failures);
  if (failures.length) {
    console.error(`[bench] wrong or missing answers in a burst:\n  ${failures.slice(0, 5).join('\n  ')}`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(`[bench] failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
