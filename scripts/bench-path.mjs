#!/usr/bin/env node
// Where the time of one /execute goes: runs Kiln standalone in this process,
// wraps the methods at each hand-over of the request path with timers, sends
// sequential Python hello worlds and prints the median of every segment.
// A diagnostic for request-path work (docs/performance.md), not a test.
//
// Usage: node scripts/bench-path.mjs [--root DIR] [--runs N] [--mode container|nested] [--gap MS]
//   --gap: pause between requests (250 ms, so the pool refills; 0: back to back, as users send them)
//   --root: a built Kiln tree to measure (default: this one), e.g. an older commit's worktree
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const root = resolve(option('--root', new URL('..', import.meta.url).pathname));
const runs = Number(option('--runs', '40'));
const gapMs = Number(option('--gap', '250'));
const require = createRequire(join(root, 'package.json'));
const port = 18000 + Math.floor(Math.random() * 1000);
Object.assign(process.env, {
  KILN_HOME: root,
  KILN_LOGGING__LEVEL: 'warn',
  KILN_REDIS__PREFIX: `kiln-bench-path-${randomBytes(3).toString('hex')}`,
  KILN_COORDINATOR__PORT: String(port),
  ...(option('--mode') ? { KILN_SANDBOX__MODE: option('--mode') } : {}),
});
require('reflect-metadata');

let marks = {};
const mark = (name) => (marks[name] ??= performance.now());

/** The first of these built files (under dist/apps) that the measured tree has: files move between versions. */
function builtFile(...candidates) {
  const found = candidates.find((file) => existsSync(join(root, 'dist/apps', `${file}.js`)));
  if (!found) throw new Error(`none of ${candidates.join(', ')} is built in ${root}`);
  return found;
}

/** Marks `before` when the method is called and `after` when its promise settles. */
function wrap(file, className, method, before, after) {
  const owner = require(join(root, 'dist/apps', file))[className];
  const original = owner.prototype[method];
  owner.prototype[method] = async function (...callArgs) {
    if (before) mark(typeof before === 'function' ? before(callArgs) : before);
    try {
      return await original.apply(this, callArgs);
    } finally {
      if (after) mark(typeof after === 'function' ? after(callArgs) : after);
    }
  };
}

const submission = builtFile('coordinator/src/jobs/job-submission', 'coordinator/src/jobs/jobs.service');
wrap(submission, submission.endsWith('job-submission') ? 'JobSubmission' : 'JobsService', 'submit', 'coordinator: submit');
wrap('coordinator/src/jobs/jobs.service', 'JobsService', 'waitForEnd', null, 'coordinator: waiter woken');
wrap('worker/src/tasks/task.processor', 'TaskProcessor', 'process', (a) => `worker: ${a[0].data.kind} task taken`);
// The sandbox runtime's lease and run (a --root from before it: the sandbox factory's create and the sandbox's exec).
if (existsSync(join(root, 'dist/apps/worker/src/sandbox/sandbox-runtime.js'))) {
  wrap('worker/src/sandbox/sandbox-runtime', 'SandboxRuntime', 'lease', 'worker: sandbox asked', 'worker: sandbox lent');
  wrap('worker/src/sandbox/sandbox-lease', 'SandboxLease', 'run', 'worker: exec sent', 'worker: exec answered');
} else {
  wrap('worker/src/sandbox/sandbox-factory', 'SandboxFactory', 'create', 'worker: sandbox asked', 'worker: sandbox lent');
  wrap('worker/src/sandbox/sandbox', 'Sandbox', 'exec', 'worker: exec sent', 'worker: exec answered');
}
wrap('worker/src/tasks/task-event.publisher', 'TaskEventPublisher', 'publish', (a) => `worker: ${a[0].type} event of ${a[0].taskId} sent`);
// The task events: a BullMQ job's data (a --root from before the stream), or the event the stream consumer hands the applier.
if (existsSync(join(root, 'dist/apps/coordinator/src/events/task-event.applier.js'))) {
  wrap('coordinator/src/events/task-event.applier', 'TaskEventApplier', 'apply', (a) => `coordinator: ${a[0].type} event of ${a[0].taskId} taken`);
} else {
  wrap('coordinator/src/events/task-events.listener', 'TaskEventsListener', 'process', (a) => `coordinator: ${a[0].data.type} event of ${a[0].data.taskId} taken`);
}
const finisherFile = builtFile('coordinator/src/jobs/job-finisher', 'coordinator/src/events/job-finisher');
const finisher = require(join(root, 'dist/apps', finisherFile)).JobFinisher.prototype;
// The end step announces the end inside it (one script) where a tree has `finish`; older ones announced separately.
if ('finish' in finisher) wrap(finisherFile, 'JobFinisher', 'finish', null, 'coordinator: job announced');
else wrap(finisherFile, 'JobFinisher', 'announceEnd' in finisher ? 'announceEnd' : 'announce', 'coordinator: job announced');

const path = [
  'client: request sent',
  'coordinator: submit',
  'worker: run task taken',
  'worker: sandbox asked',
  'worker: sandbox lent',
  'worker: exec sent',
  'worker: exec answered',
  'worker: completed event of run sent',
  'coordinator: completed event of run taken',
  'coordinator: job announced',
  'coordinator: waiter woken',
  'client: answer read',
];

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const { loadConfig } = require(join(root, 'dist/libs/config/src/index.js'));
const { startKiln } = require(join(root, 'dist/apps/kiln/src/run-modes.js'));
const kiln = await startKiln('standalone', loadConfig());
const body = JSON.stringify({ language: 'python', code: 'print("hello")' });
const segments = path.slice(1).map(() => []);
const totals = [];
for (let i = 0; i < runs + 5; i++) {
  marks = {};
  mark('client: request sent');
  const response = await fetch(`http://127.0.0.1:${port}/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const answer = await response.json();
  mark('client: answer read');
  if (answer.run?.stdout !== 'hello\n') throw new Error(`wrong answer: ${JSON.stringify(answer).slice(0, 200)}`);
  if (i >= 5) {
    path.slice(1).forEach((to, k) => segments[k].push(marks[to] - marks[path[k]]));
    totals.push(marks['client: answer read'] - marks['client: request sent']);
  }
  if (gapMs > 0) await new Promise((done) => setTimeout(done, gapMs));
}
await kiln.close();
console.log(`/execute of a Python hello, median of ${runs} sequential runs ${gapMs} ms apart, ${root}`);
path.slice(1).forEach((to, k) => console.log(`${median(segments[k]).toFixed(1).padStart(7)} ms  ${path[k]} → ${to}`));
console.log(`${median(totals).toFixed(1).padStart(7)} ms  total (median)`);
process.exit(0);
