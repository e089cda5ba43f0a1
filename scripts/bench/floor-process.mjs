#!/usr/bin/env node
// The floor under Kiln's own CPU per job, run by scripts/bench/floor.mjs as a
// process of its own: the parts one simple job cannot do without in Kiln's
// design, with none of Kiln around them. A plain node:http server takes
// POST /execute, writes the job's record once (an accepted job is durable),
// queues its task as one BullMQ job with Kiln's options, a BullMQ Worker in
// the same process takes it and runs the program through Kiln's own agent
// session in a fresh nested sandbox (outer containers made by Kiln's nested
// spec, one per slot), writes the record once more with the result, and
// answers in the shape of Kiln's /execute. No validation, no event log, no
// fair share, no limits per task, no metrics: what that costs is Kiln's.
//
// Environment: FLOOR_ROOT (a built Kiln tree), FLOOR_REDIS_URL, FLOOR_SPEC (a
// JSON file: the nested outer container's spec), FLOOR_SLOTS (tasks at once).
// Prints `ready <port>` once it listens; stops on SIGTERM.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import Docker from 'dockerode';
import Redis from 'ioredis';
import { PYTHON_ENV, startAgentContainer } from './baselines.mjs';

const { FLOOR_ROOT: root, FLOOR_REDIS_URL: url, FLOOR_SPEC: specFile } = process.env;
const slots = Number(process.env.FLOOR_SLOTS);
const { AgentSession } = createRequire(import.meta.url)(join(root, 'dist/apps/worker/src/agent/agent-session.js'));
const RECORD_TTL_S = 3600;

const { port, hostname } = new URL(url);
const connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
// As Kiln's store connection (libs/redis/src/redis.module.ts).
const redis = new Redis({ ...connection, enableAutoPipelining: true });
redis.defineCommand('floorRecord', {
  numberOfKeys: 1,
  lua: "redis.call('HSET', KEYS[1], 'state', ARGV[1], ARGV[2], ARGV[3]) redis.call('EXPIRE', KEYS[1], ARGV[4]) return 1",
});

/** Requests waiting for their task's end, by job id. */
const waiting = new Map();

/** The outer containers, each with its agent session waiting in a fresh nested sandbox. */
const docker = new Docker();
const spec = JSON.parse(readFileSync(specFile, 'utf8'));
const outers = await Promise.all(Array.from({ length: slots }, () => startAgentContainer(docker, spec, AgentSession)));
const free = [...outers];
const slotWaiters = [];

function takeSlot() {
  const outer = free.pop();
  return outer ? Promise.resolve(outer) : new Promise((resolve) => slotWaiters.push(resolve));
}

/** Ends the task's nested sandbox; the slot is free again once the next one has said hello. */
function giveBack(outer) {
  const hellos = outer.session.helloCount;
  outer.session.quit();
  outer.session.helloNumber(hellos + 1).then(
    () => {
      const waiter = slotWaiters.shift();
      if (waiter) waiter(outer);
      else free.push(outer);
    },
    // Its container removed at the stop: no next sandbox, and no task left to give it to.
    () => undefined,
  );
}

async function runTask({ data: { id, code, stdin } }) {
  const outer = await takeSlot();
  try {
    const report = await outer.session.exec({ argv: ['python3', '-c', code], env: PYTHON_ENV }, Buffer.from(stdin ?? ''));
    const run = { stdout: report.stdout.toString(), stderr: report.stderr.toString(), exitCode: report.result.exitCode };
    await redis.floorRecord(`floor:job:${id}`, 'COMPLETED', 'run', JSON.stringify(run), RECORD_TTL_S);
    waiting.get(id)?.resolve(run);
  } catch (error) {
    // Answered as a 500, which the bench counts as a wrong answer: a floor that fails must not look fast.
    waiting.get(id)?.reject(error);
  } finally {
    giveBack(outer);
  }
}

const queue = new Queue('floor-tasks', { connection });
const worker = new Worker('floor-tasks', runTask, { connection, concurrency: slots });
await worker.waitUntilReady();

async function execute(body) {
  const request = JSON.parse(body);
  const id = randomUUID();
  await redis.floorRecord(`floor:job:${id}`, 'QUEUED', 'request', body, RECORD_TTL_S);
  const done = new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
  // Kiln's task options (libs/store/src/queues/task-queue.repository.ts).
  await queue.add('run', { id, code: request.code, stdin: request.stdin }, {
    jobId: `${id}.run`,
    priority: 12,
    attempts: 3,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 3600, count: 5000 },
    removeOnFail: { age: 24 * 3600, count: 5000 },
  });
  const run = await done.finally(() => waiting.delete(id));
  return { id, state: 'COMPLETED', verdict: run.exitCode === 0 ? 'OK' : 'RUNTIME_ERROR', run };
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    execute(Buffer.concat(chunks).toString()).then(
      (answer) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)),
      (error) => response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.message })),
    );
  });
});
server.listen(0, '127.0.0.1', () => console.log(`ready ${server.address().port}`));

/** Ends with no outer container left behind, whether asked to (SIGTERM) or failing. */
async function stop(code) {
  server.close();
  await worker.close().catch(() => undefined);
  await queue.close().catch(() => undefined);
  await Promise.all(outers.map(({ container }) => container.remove({ force: true }).catch(() => undefined)));
  redis.disconnect();
  process.exit(code);
}
process.on('SIGTERM', () => stop(0));
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.on(event, (error) => {
    console.error(`floor process: ${error?.stack ?? error}`);
    stop(1);
  });
}
