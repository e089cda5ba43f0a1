// Standalone Kiln in-process under 8 closed-loop clients for DURATION s; prints jobs/s.
process.env.KILN_HOME = '/work/wt-perf';
process.env.KILN_LOGGING__LEVEL = 'warn';
process.env.KILN_REDIS__PREFIX = 'kiln-load-' + process.pid;
process.env.KILN_COORDINATOR__PORT = '18183';
process.env.KILN_SANDBOX__MODE = process.env.MODE || 'nested';
require('/work/wt-perf/node_modules/reflect-metadata');
if (process.env.NORENAME) require('/work/wt-perf/dist/apps/worker/src/sandbox/warm-container').WarmContainer.prototype.rename = function () {};
const { loadConfig } = require('/work/wt-perf/dist/libs/config/src');
const { startKiln } = require('/work/wt-perf/dist/apps/kiln/src/run-modes');
(async () => {
  const kiln = await startKiln('standalone', loadConfig());
  const body = JSON.stringify({ language: process.env.LANG_ID || 'python', code: process.env.CODE || 'print("hi")' });
  const one = async () => { const r = await fetch('http://127.0.0.1:18183/execute', { method: 'POST', headers: { 'content-type': 'application/json' }, body }); const j = await r.json(); if (j.verdict !== 'OK') throw new Error(JSON.stringify(j)); };
  for (let i = 0; i < 10; i++) await one();
  let n = 0; const end = Date.now() + Number(process.env.DURATION || 10) * 1000; const t = Date.now();
  await Promise.all(Array.from({ length: 8 }, async () => { while (Date.now() < end) { await one(); n++; } }));
  console.log('jobs/s', (n / ((Date.now() - t) / 1000)).toFixed(1), 'jobs', n, 'launched', kiln.worker.get(require('/work/wt-perf/dist/apps/worker/src/sandbox/container-launcher').ContainerLauncher).launched);
  await kiln.close();
  process.exit(0);
})();
