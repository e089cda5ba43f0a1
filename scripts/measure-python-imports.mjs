#!/usr/bin/env node
// Measures what importing Python's data stack costs in the Python image, in
// a container with a sandbox's limits (no network, read-only root, fresh
// /tmp, 256 MiB, 64 processes, one CPU) and the language table's environment:
// the CPU time (user + system) and peak memory of `import numpy, pandas,
// scipy, matplotlib.pyplot`, the median and largest of N runs, and the image's size.
// Usage: node scripts/measure-python-imports.mjs [image=kiln/python:latest] [runs=5]
import { spawnSync } from 'node:child_process';

const image = process.argv[2] ?? 'kiln/python:latest';
const runs = Number(process.argv[3] ?? 5);
const program = [
  'import resource',
  'import numpy, pandas, scipy, matplotlib.pyplot',
  'usage = resource.getrusage(resource.RUSAGE_SELF)',
  'print(usage.ru_utime + usage.ru_stime, usage.ru_maxrss)',
].join('\n');
const environment = ['MPLBACKEND=Agg', 'MPLCONFIGDIR=/tmp/matplotlib', 'OPENBLAS_NUM_THREADS=1', 'HOME=/workspace'].flatMap((pair) => ['-e', pair]);
const limits = ['--network', 'none', '--read-only', '--tmpfs', '/tmp:size=16m,mode=1777', '--memory', '256m', '--memory-swap', '256m', '--pids-limit', '64', '--cpus', '1'];

const samples = [];
for (let run = 0; run < runs; run++) {
  const ran = spawnSync('docker', ['run', '--rm', ...limits, ...environment, '--entrypoint', 'python3', image, '-c', program], { encoding: 'utf8' });
  if (ran.status !== 0) {
    console.error(`run ${run + 1} failed: ${ran.stderr.trim()}`);
    process.exit(1);
  }
  const [cpuSeconds, maxRssKb] = ran.stdout.trim().split(' ').map(Number);
  samples.push({ cpuSeconds, rssMiB: maxRssKb / 1024 });
}
const sorted = (key) => samples.map((s) => s[key]).sort((a, b) => a - b);
const median = (values) => values[Math.floor(values.length / 2)];
const size = spawnSync('docker', ['image', 'inspect', '--format', '{{.Size}}', image], { encoding: 'utf8' }).stdout.trim();
const load = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' ');
console.log(`image ${image}: ${(Number(size) / 1e9).toFixed(2)} GB`);
console.log(`import numpy, pandas, scipy, matplotlib.pyplot (${runs} runs, load average ${load}):`);
console.log(`  CPU time: median ${median(sorted('cpuSeconds')).toFixed(2)} s, largest ${sorted('cpuSeconds').at(-1).toFixed(2)} s`);
console.log(`  peak memory: median ${median(sorted('rssMiB')).toFixed(0)} MiB, largest ${sorted('rssMiB').at(-1).toFixed(0)} MiB`);
