#!/usr/bin/env node
// What each Docker operation on a Kiln sandbox costs here: the figures behind
// docs/performance.md's design choices (pool, limit updates, ping). Medians of
// N sandboxes built by the worker's own container spec, driven through the
// worker's own agent session. A diagnostic, not a test.
//
// Usage: node scripts/bench-engine.mjs [--runs N]   (needs `npm run build` and the images)
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Docker from 'dockerode';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(join(root, 'package.json'));
const runs = Number(process.argv.includes('--runs') ? process.argv[process.argv.indexOf('--runs') + 1] : 20);
const { sandboxContainerSpec } = require(join(root, 'dist/apps/worker/src/runtime-choice.js'));
const { AgentSession } = require(join(root, 'dist/apps/worker/src/agent/agent-session.js'));
const { loadConfig } = require(join(root, 'dist/libs/config/src/index.js'));

const docker = new Docker();
const specOf = (mode) => {
  const { config } = loadConfig({ ...process.env, KILN_HOME: root });
  const labels = { jobId: '', taskId: '', workerId: 'bench-engine', instance: 'bench-engine', deployment: 'kiln-bench-engine' };
  return sandboxContainerSpec(mode, { image: 'kiln/python:latest', limits: { memoryMb: 256, cpus: 1, processes: 64 }, labels }, config.sandbox);
};
const options = specOf('container');
const env = { PATH: '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1' };
const times = {};
const time = async (name, action) => {
  const started = performance.now();
  const result = await action();
  (times[name] ??= []).push(performance.now() - started);
  return result;
};

for (let i = 0; i < runs; i++) {
  const container = await time('create', () => docker.createContainer(options));
  const stream = await time('attach', () => container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }));
  const session = new AgentSession(stream, (s, out, err) => container.modem.demuxStream(s, out, err));
  await time('start', () => container.start());
  await time("agent's hello after start", () => session.ready());
  await time('ping the agent', () => session.ping(1000));
  await time('update Memory, MemorySwap, NanoCpus, PidsLimit', () =>
    container.update({ Memory: 128 << 20, MemorySwap: 128 << 20, NanoCpus: 5e8, PidsLimit: 33 }),
  );
  await time('rename', () => container.rename({ name: `kiln-bench-engine-${process.pid}-${i}` }));
  await time('exec `true` through the agent', () => session.exec({ argv: ['true'], env }, Buffer.alloc(0)));
  await time('exec a Python hello through the agent', () => session.exec({ argv: ['python3', '-c', 'print("hello")'], env }, Buffer.alloc(0)));
  await time('remove (force)', () => container.remove({ force: true }));
}
// Nested mode: one outer container, one nested sandbox after another.
const outer = await docker.createContainer(specOf('nested'));
const outerSession = new AgentSession(
  await outer.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }),
  (s, out, err) => outer.modem.demuxStream(s, out, err),
);
await outer.start();
await outerSession.ready();
for (let i = 0; i < runs; i++) {
  await time('nested: exec a Python hello in a nested sandbox', () =>
    outerSession.exec({ argv: ['python3', '-c', 'print("hello")'], env }, Buffer.alloc(0)),
  );
  const hellos = outerSession.helloCount;
  outerSession.quit();
  await time('nested: from the end of a task to the next sandbox’s hello', () => outerSession.helloNumber(hellos + 1));
}
await outer.remove({ force: true });

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
console.log(`Docker operations on a Kiln sandbox (kiln/python), median of ${runs}:`);
for (const [name, values] of Object.entries(times)) console.log(`${median(values).toFixed(1).padStart(7)} ms  ${name}`);
process.exit(0);
