// Median time of each segment of the /execute path over N sequential runs.
process.env.KILN_HOME = '/work/wt-perf';
process.env.KILN_LOGGING__LEVEL = 'warn';
process.env.KILN_REDIS__PREFIX = 'kiln-trace-' + process.pid;
process.env.KILN_COORDINATOR__PORT = '18184';
process.env.KILN_SANDBOX__MODE = process.env.MODE || 'container';
require('/work/wt-perf/node_modules/reflect-metadata');
const D = '/work/wt-perf/dist/apps/';
let marks = {};
function at(name) { if (!(name in marks)) marks[name] = performance.now(); }
function wrap(mod, cls, method, before, after) {
  const C = require(D + mod)[cls];
  const orig = C.prototype[method];
  C.prototype[method] = async function (...a) {
    if (before) at(typeof before === 'function' ? before(a) : before);
    const r = await orig.apply(this, a);
    if (after) at(typeof after === 'function' ? after(a) : after);
    return r;
  };
}
wrap('coordinator/src/jobs/jobs.service', 'JobsService', 'submit', 'submit', 'submitted');
wrap('coordinator/src/jobs/jobs.service', 'JobsService', 'waitForEnd', null, 'woken');
wrap('worker/src/tasks/task.processor', 'TaskProcessor', 'process', (a) => 'worker:' + a[0].data.kind);
wrap('worker/src/sandbox/sandbox-factory', 'SandboxFactory', 'create', 'acquire', 'acquired');
wrap('worker/src/sandbox/sandbox', 'Sandbox', 'exec', 'exec', 'execd');
wrap('worker/src/tasks/task-event.publisher', 'TaskEventPublisher', 'publish', null, (a) => 'published:' + a[0].type + ':' + a[0].taskId);
wrap('coordinator/src/events/task-events.listener', 'TaskEventsListener', 'process', (a) => 'listener:' + a[0].data.type + ':' + a[0].data.taskId);
wrap('coordinator/src/events/job-finisher', 'JobFinisher', 'announce', 'announce');
const { loadConfig } = require('/work/wt-perf/dist/libs/config/src');
const { startKiln } = require(D + 'kiln/src/run-modes');
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const SEG = [['request', 'submit'], ['submit', 'worker:run'], ['worker:run', 'acquire'], ['acquire', 'acquired'], ['acquired', 'exec'], ['exec', 'execd'], ['execd', 'published:completed:run'], ['published:completed:run', 'listener:completed:run'], ['listener:completed:run', 'announce'], ['announce', 'woken'], ['woken', 'response'], ['request', 'response']];
(async () => {
  const kiln = await startKiln('standalone', loadConfig());
  const body = JSON.stringify({ language: 'python', code: 'print("hi")' });
  const segs = SEG.map(() => []);
  for (let i = 0; i < Number(process.env.N || 30); i++) {
    marks = {}; at('request');
    const r = await fetch('http://127.0.0.1:18184/execute', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await r.json(); at('response');
    if (i >= 5) SEG.forEach(([a, b], k) => segs[k].push(marks[b] - marks[a]));
    await new Promise((r) => setTimeout(r, 250));
  }
  SEG.forEach(([a, b], k) => console.log(`${med(segs[k]).toFixed(1).padStart(6)}  ${a} → ${b}`));
  await kiln.close();
  process.exit(0);
})();
