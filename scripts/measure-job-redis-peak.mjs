#!/usr/bin/env node
// Measures the Redis bytes of one job, worst cases included: a private
// redis-server and one standalone Kiln (default configuration), then, one job
// at a time, used_memory sampled every few ms from just before the job is
// submitted until its cleanup has run ("peak": the most it ever held at once,
// over the settled baseline), and again once it has settled ("kept": what the
// finished job keeps for jobs.retentionSeconds).
// Usage: node scripts/measure-job-redis-peak.mjs   (needs `npm run build` and the runtime images)
import { spawnSync } from 'node:child_process';
import { startKiln } from './bench/kiln-process.mjs';
import { startRedis } from './bench/redis-server.mjs';
import { sleep } from './bench/stats.mjs';

const root = new URL('..', import.meta.url).pathname;
const MiB = 1024 * 1024;
const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;

/** The amplification of issue 12: 4 MiB of \x01 per test, answered twice (combinedOutput). */
const amplification = (tests) => ({
  language: 'python',
  code: "import sys\nsys.stdout.write('\\x01' * 4194304)",
  tests: Array.from({ length: tests }, () => ({ stdin: '' })),
  limits: { outputBytes: 4194304 },
  combinedOutput: true,
});

/**
 * Everything at its maximum at once: an artifact near the largest the compile
 * may leave (sandbox.artifactMaxMb, 64 MiB: a 30 MiB initialised array in
 * the binary and, kept in the workspace by -save-temps, in the object file),
 * almost a whole request body of stdin, and a plain run (its output also goes
 * to the live event log) that fills the largest budget with \x01.
 */
const worstCase = {
  language: 'c',
  code: '#include <stdio.h>\nchar big[30 << 20] = {1};\nint main(void) { while (big[0]) putchar(1); return 0; }\n',
  compilerOptions: ['-save-temps=obj'],
  stdin: 'x'.repeat(1_000_000),
  limits: { outputBytes: 4194304, jobOutputBytes: 16777216, compileMemoryMb: 1024 },
};

const scenarios = [
  ['amplification, 8 tests, default budget (1 MiB)', amplification(8)],
  ['amplification, 100 tests, default budget (1 MiB)', amplification(100)],
  ['worst case: 60 MiB artifact, 1 MB stdin, 16 MiB budget filled with \\x01 by a plain run', worstCase],
];

const redis = await startRedis();
const kiln = await startKiln(root, {
  KILN_REDIS__URL: redis.url,
  KILN_REDIS__EMBEDDED: 'false',
  KILN_COORDINATOR__RATE_LIMIT__ENABLED: 'false',
});

/** Samples used_memory until stopped; resolves to the highest value seen. */
function sampler() {
  let running = true;
  let peak = 0;
  const done = (async () => {
    while (running) {
      peak = Math.max(peak, await redis.usedMemory());
      await sleep(2);
    }
    return peak;
  })();
  return { stop: () => ((running = false), done) };
}

/** used_memory once every job's cleanup has run and it has stopped moving. */
async function settled() {
  for (let i = 0; i < 300 && (await redis.client.keys(`${kiln.prefix}:job:*:input`)).length > 0; i++) await sleep(100);
  let previous = await redis.usedMemory();
  for (let i = 0; i < 100; i++) {
    await sleep(300);
    const now = await redis.usedMemory();
    if (Math.abs(now - previous) < 16 * 1024) return Math.min(now, previous);
    previous = now;
  }
  throw new Error('Redis memory did not settle');
}

async function run(body) {
  const accepted = await fetch(`${kiln.base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (accepted.status !== 202) throw new Error(`submission answered ${accepted.status}: ${await accepted.text()}`);
  const { id } = await accepted.json();
  for (let i = 0; i < 1200; i++) {
    const answer = await fetch(`${kiln.base}/jobs/${id}`);
    const text = await answer.text();
    const job = JSON.parse(text);
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(job.state)) return { job, jsonBytes: Buffer.byteLength(text) };
    await sleep(100);
  }
  throw new Error(`job ${id} did not finish`);
}

try {
  await run({ language: 'python', code: 'print(1)', tests: [{ stdin: '' }] });
  await run({ language: 'c', code: 'int main(void) { return 0; }' });
  const rows = [];
  for (const [name, body] of scenarios) {
    const baseline = await settled();
    const sampling = sampler();
    const { job, jsonBytes } = await run(body);
    await settled();
    const peak = await sampling.stop();
    const kept = (await settled()) - baseline;
    if (job.state !== 'COMPLETED' || job.verdict === 'COMPILE_ERROR') {
      throw new Error(`${name}: ${job.state} ${job.verdict} ${job.error ?? ''} ${job.compile?.stderr ?? ''}`);
    }
    rows.push(`| ${name} | ${job.verdict} | ${mib(jsonBytes)} | ${mib(peak - baseline)} | ${mib(kept)} |`);
  }
  console.log('| job | verdict | GET /jobs/:id JSON | Redis peak over baseline | kept after cleanup |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(`\nRedis ${spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim()}; used_memory sampled every ~2 ms.`);
} finally {
  await kiln.stop();
  await redis.stop();
}
