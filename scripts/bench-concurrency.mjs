#!/usr/bin/env node
// How many tasks one worker should run at once on this machine: Kiln
// standalone in its default configuration but worker.concurrency, for each
// value given, Python hellos back to back from more clients than tasks (so
// the worker, not the clients, is the limit). The figures behind
// worker.concurrency auto (libs/config/src/machine-sizing.ts,
// docs/performance.md). A diagnostic, not a test.
//
// Usage: node scripts/bench-concurrency.mjs [--values 2,4,8,16] [--clients 16] [--jobs 240] [--mode auto|nested|container] [--root DIR]
//   --root: a built Kiln tree to measure (default: this one), e.g. an older commit's, to compare
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { cpuMeter } from './bench/cpu.mjs';
import { startKiln } from './bench/kiln-process.mjs';
import { backToBack, throughput } from './bench/load.mjs';
import { PROGRAMS, kilnPeer } from './bench/peers.mjs';
import { startRedis } from './bench/redis-server.mjs';
import { cpuTime, latency, loadAverage, machine, markdown, rate } from './bench/report.mjs';
import { summary } from './bench/stats.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const root = resolve(option('--root', new URL('..', import.meta.url).pathname));
const values = option('--values', '2,4,8,16').split(',').map(Number);
const clients = Number(option('--clients', '16'));
const jobs = Number(option('--jobs', '240'));
const mode = option('--mode', 'auto');

const rows = [];
console.error(`[bench-concurrency] ${machine()}`);
for (const concurrency of values) {
  const redis = await startRedis({ appendOnly: true });
  const kiln = await startKiln(root, { KILN_REDIS__URL: redis.url, KILN_REDIS__EMBEDDED: 'false', KILN_SANDBOX__MODE: mode, KILN_WORKER__CONCURRENCY: String(concurrency) });
  try {
    const peer = kilnPeer(kiln.base);
    await throughput(peer, PROGRAMS.pythonHello, 5 * clients, clients);
    const meter = cpuMeter({ kiln: kiln.pid, redis: redis.pid });
    const perSecond = await throughput(peer, PROGRAMS.pythonHello, jobs, clients);
    const cpu = meter.stop(jobs);
    const alone = summary(await backToBack(peer, PROGRAMS.pythonHello, 30));
    rows.push([concurrency, rate(perSecond), cpuTime(cpu.machine), cpuTime(cpu.kiln), latency(alone)]);
    console.error(`[bench-concurrency] ${concurrency}: ${rate(perSecond)}`);
  } finally {
    await kiln.stop();
    await redis.stop();
  }
}
console.log(`Machine: ${machine()}`);
console.log(`Command: node scripts/bench-concurrency.mjs --values ${values.join(',')} --clients ${clients} --jobs ${jobs} --mode ${mode} --root ${root} (${new Date().toISOString()}), ${cpus().length} CPUs\n`);
console.log(
  markdown(['worker.concurrency', `Python hellos, ${clients} clients back to back`, 'CPU per job, whole machine', 'CPU per job, Kiln', 'Python hello, 1 client back to back'], rows),
);
console.log(`\nload average after: ${loadAverage()}`);
