#!/usr/bin/env node
// What each kind of step on a job's path costs here, one kind at a time, on a
// private redis-server: the CPU time of this Node process and of Redis per
// Redis round trip (a PING, a small EVALSHA, an XADD of the event log), per
// BullMQ job (added, taken and completed by a Worker, as a task or an event
// is), and per Docker Engine API rename of a container, with the engine's own
// CPU for it (dockerd and containerd, from /proc). The prices behind
// docs/performance.md ("The request path, counted"). A diagnostic, not a test.
//
// Usage: node scripts/measure-path-unit-costs.mjs [--runs N]   (needs the kiln/base image)
import { readdirSync, readFileSync } from 'node:fs';
import Docker from 'dockerode';
import { Queue, Worker } from 'bullmq';
import { startRedis } from './bench/redis-server.mjs';

const runs = Number(process.argv.includes('--runs') ? process.argv[process.argv.indexOf('--runs') + 1] : 2000);
const redis = await startRedis();
const { port } = new URL(redis.url);

async function redisCpuMicros() {
  const info = await redis.client.info('cpu');
  const field = (name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)[1]);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

/** CPU microseconds of the processes whose command line starts with one of `names` (the engine's daemons). */
function daemonsCpuMicros(names) {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
      if (!names.some((name) => command.endsWith(name))) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return ticks * 10_000;
}

const rows = [];
/** Runs `once` `count` times one after another; CPU per run of this process, Redis and (optionally) the engine. */
async function price(name, count, once, { engine = false } = {}) {
  for (let i = 0; i < Math.min(50, count); i++) await once(i);
  const before = { node: process.cpuUsage(), redis: await redisCpuMicros(), engine: engine ? daemonsCpuMicros(['dockerd', 'containerd']) : 0 };
  const started = performance.now();
  for (let i = 0; i < count; i++) await once(i);
  const wall = (performance.now() - started) / count;
  const used = process.cpuUsage(before.node);
  const engineMicros = engine ? daemonsCpuMicros(['dockerd', 'containerd']) - before.engine : null;
  rows.push({
    name,
    wall,
    node: (used.user + used.system) / count,
    redis: ((await redisCpuMicros()) - before.redis) / count,
    engine: engineMicros === null ? null : engineMicros / count,
  });
}

// Redis round trips of the kinds a job makes.
await price('Redis round trip: PING', runs, () => redis.client.ping());
redis.client.defineCommand('kilnTransition', {
  numberOfKeys: 1,
  lua: "local c = redis.call('HGET', KEYS[1], 'state') if c == ARGV[1] then redis.call('HSET', KEYS[1], 'state', ARGV[2]) return 1 end return 0",
});
await price('Redis round trip: EVALSHA of a conditional HSET', runs, (i) => redis.client.kilnTransition(`unit:${i % 64}`, 'x', 'y'));
await price('Redis round trip: XADD (MAXLEN ~) of a log entry', runs, (i) =>
  redis.client.xadd(`unit:log:${i % 64}`, 'MAXLEN', '~', '5000', '*', 'e', '{"type":"state","state":"RUNNING"}'),
);

// One BullMQ job: added by one side, taken and completed by a Worker of the other, as Kiln's tasks and events are.
const connection = { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null };
const queue = new Queue('unit', { connection });
let finish = () => undefined;
const worker = new Worker('unit', async () => finish(), { connection, concurrency: 1 });
await worker.waitUntilReady();
await price('BullMQ job: add, take, complete (removed on completion)', Math.min(runs, 1000), async (i) => {
  const done = new Promise((resolve) => (finish = resolve));
  await queue.add('unit', { i }, { jobId: `unit-${i}-${Math.random()}`, removeOnComplete: true });
  await done;
});
await worker.close();
await queue.close();

// One Engine API request: rename a running container (what a nested task cost twice).
const docker = new Docker();
const container = await docker.createContainer({ Image: 'kiln/base:latest', Entrypoint: ['sleep'], Cmd: ['600'], HostConfig: { NetworkMode: 'none', AutoRemove: false } });
await container.start();
try {
  await price('Docker Engine API: rename a running container', Math.min(runs, 200), (i) => container.rename({ name: `kiln-unit-cost-${process.pid}-${i}` }), { engine: true });
} finally {
  await container.remove({ force: true });
}
await redis.stop();

const us = (value) => (value === null ? '' : `${value.toFixed(0).padStart(6)} µs`);
console.log(`load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; CPU per step: this process | Redis | Docker engine | wall time`);
for (const row of rows) console.log(`${us(row.node)} | ${us(row.redis)} | ${row.engine === null ? '        ' : us(row.engine)} | ${us(row.wall * 1000)}  ${row.name}`);
process.exit(0);
