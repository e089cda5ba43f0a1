// The same-run floor under Kiln's own CPU per job and its Redis's: the parts
// a simple job cannot do without in Kiln's design (an HTTP request and its
// answer, the job's record written when accepted and when ended, its task as
// one BullMQ job, the program run through Kiln's agent session in a fresh
// nested sandbox), in a process with none of Kiln's own logic
// (floor-process.mjs), driven by the same closed-loop clients.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { endsWithThisProcess } from './child-process-reaper.mjs';
import { cpuMeter } from './cpu.mjs';
import { backToBack, throughput } from './load.mjs';
import { kilnPeer } from './peers.mjs';
import { startRedis } from './redis-server.mjs';
import { summary } from './stats.mjs';

const READY_WITHIN_MS = 60_000;

/** Starts floor-process.mjs on its own redis-server; resolves once it listens. */
async function startFloor(root, nestedSpec, slots, redis) {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-floor-'));
  const specFile = join(dir, 'spec.json');
  writeFileSync(specFile, JSON.stringify(nestedSpec));
  const child = endsWithThisProcess(spawn(process.execPath, [new URL('./floor-process.mjs', import.meta.url).pathname], {
    env: { ...process.env, FLOOR_ROOT: root, FLOOR_REDIS_URL: redis.url, FLOOR_SPEC: specFile, FLOOR_SLOTS: String(slots) },
    stdio: ['ignore', 'pipe', 'inherit'],
  }));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const lines = createInterface({ input: child.stdout });
  let timer;
  const port = await Promise.race([
    new Promise((resolve) => lines.on('line', (line) => line.startsWith('ready ') && resolve(Number(line.slice(6))))),
    exited.then((code) => Promise.reject(new Error(`the floor process exited with ${code} while starting`))),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the floor process did not listen within ${READY_WITHIN_MS} ms`)), READY_WITHIN_MS);
    }),
  ])
    .catch(async (error) => {
      await stop();
      throw error;
    })
    .finally(() => clearTimeout(timer));
  return { base: `http://127.0.0.1:${port}`, pid: child.pid, stop };
}

/**
 * After a warm-up (`warmup` per client), `latencyCount` Python hellos back to
 * back by one client, then `jobs` through `clients` closed-loop clients, every
 * answer checked: the one client's latencies, jobs per second, and the CPU per
 * job of the floor's process, its redis-server and the whole machine.
 */
export async function bookkeepingFloor(root, nestedSpec, { clients, warmup, latencyCount, jobs, program }) {
  const redis = await startRedis({ appendOnly: true });
  try {
    const floor = await startFloor(root, nestedSpec, clients, redis);
    try {
      const peer = kilnPeer(floor.base);
      await throughput(peer, program, warmup * clients, clients);
      const oneClient = summary(await backToBack(peer, program, latencyCount));
      const meter = cpuMeter({ own: floor.pid, redis: redis.pid });
      const jobsPerSecond = await throughput(peer, program, jobs, clients);
      return { oneClient, jobsPerSecond, cpu: meter.stop(jobs) };
    } finally {
      await floor.stop();
    }
  } finally {
    await redis.stop();
  }
}
