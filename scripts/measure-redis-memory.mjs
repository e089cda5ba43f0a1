#!/usr/bin/env node
// Measures Redis memory per queued job: starts a private redis-server, a
// coordinator and a worker that serves another queue (so jobs are accepted but
// stay queued), submits N jobs and reads INFO memory before and after.
// Usage: node scripts/measure-redis-memory.mjs [count=1000]   (needs `npm run build`)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const count = Number(process.argv[2] ?? 1000);
const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const usedMemory = (port) => Number(/used_memory:(\d+)/.exec(spawnSync('redis-cli', ['-p', String(port), 'info', 'memory'], { encoding: 'utf8' }).stdout)[1]);

const redisPort = await freePort();
const httpPort = await freePort();
const children = [
  spawn('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no', '--dir', mkdtempSync(join(tmpdir(), 'kiln-mem-'))], { stdio: 'ignore' }),
];
const env = {
  ...process.env,
  KILN_HOME: root,
  KILN_REDIS__URL: `redis://127.0.0.1:${redisPort}`,
  KILN_COORDINATOR__PORT: String(httpPort),
  KILN_COORDINATOR__QUEUES: 'default,parked',
  KILN_WORKER__QUEUES: 'parked',
  KILN_LOGGING__LEVEL: 'warn',
  KILN_COORDINATOR__RATE_LIMIT__MODE: 'off',
};
try {
  await sleep(500);
  children.push(spawn(process.execPath, [join(root, 'bin/kiln'), 'coordinator'], { env, stdio: 'inherit' }));
  children.push(spawn(process.execPath, [join(root, 'bin/kiln'), 'worker'], { env, stdio: 'inherit' }));
  const base = `http://127.0.0.1:${httpPort}`;
  for (let i = 0; i < 100; i++) {
    const health = await fetch(`${base}/health`).then((r) => r.status, () => 0);
    if (health === 200) break;
    await sleep(300);
  }
  const before = usedMemory(redisPort);
  const program = { language: 'python', code: 'import sys\nfor line in sys.stdin:\n    print(line.strip()[::-1])\n', stdin: 'hello kiln\n' };
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, () =>
        fetch(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(program) }).then((r) => {
          if (r.status !== 202) throw new Error(`submission answered ${r.status}`);
        }),
      ),
    );
  }
  const after = usedMemory(redisPort);
  const perJob = (after - before) / count;
  console.log(`| jobs queued | Redis used_memory before | after | per queued job |`);
  console.log(`|---|---|---|---|`);
  console.log(`| ${count} | ${(before / 1048576).toFixed(1)} MiB | ${(after / 1048576).toFixed(1)} MiB | ${(perJob / 1024).toFixed(2)} KiB |`);
  console.log(`\nprogram: ${Buffer.byteLength(program.code)} bytes of Python, ${program.stdin.length} bytes of stdin; Redis ${spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
} finally {
  for (const child of children.reverse()) child.kill('SIGTERM');
}
