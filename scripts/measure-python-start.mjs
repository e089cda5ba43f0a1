#!/usr/bin/env node
// What one python3 start costs in the Python image: the CPU time (user +
// system, from the shell's children in /proc) per `python3 -c 'print(1)'`,
// the same without the site module (`-S`, Python's own floor), how many
// modules a start loads, and site's slowest imports (`-X importtime`). Run
// in a container with the language table's MPLCONFIGDIR on a fresh /tmp, as
// a sandbox runs it. docs/performance.md ("What a Python start costs") quotes it.
// Usage: node scripts/measure-python-start.mjs [image=kiln/python:latest] [starts=200]
import { spawnSync } from 'node:child_process';

const image = process.argv[2] ?? 'kiln/python:latest';
const starts = Number(process.argv[3] ?? 200);
const script = `
children() { set -- $(cut -d' ' -f16-17 /proc/$$/stat); echo $(( $1 + $2 )); }
# Printed from this shell, not from a $(...) subshell: the starts must be this shell's children.
per_start() { label=$1; shift; before=$(children); i=0; while [ $i -lt ${starts} ]; do "$@" >/dev/null; i=$((i + 1)); done; after=$(children); echo "$label $(( (after - before) * 10000 / ${starts} ))"; }
per_start cpu python3 -c 'print(1)'
per_start nosite python3 -S -c 'print(1)'
echo "modules $(python3 -c 'import sys; print(len(sys.modules))')"
python3 -X importtime -c pass 2>&1 | sort -t'|' -k2 -n | tail -6 | sed 's/^/import /'
`;
const ran = spawnSync('docker', ['run', '--rm', '--tmpfs', '/tmp', '-e', 'MPLCONFIGDIR=/tmp/matplotlib', '--entrypoint', 'sh', image, '-c', script], { encoding: 'utf8' });
if (ran.status !== 0) {
  console.error(ran.stderr.trim());
  process.exit(1);
}
const lines = ran.stdout.trim().split('\n');
const value = (key) => lines.find((line) => line.startsWith(`${key} `)).slice(key.length + 1);
const ms = (ticksTimesThousand) => (Number(ticksTimesThousand) / 1000).toFixed(1); // clock ticks are 10 ms
console.log(`${image}, ${starts} starts each:`);
console.log(`  ${ms(value('cpu'))} ms CPU per python3 -c 'print(1)'`);
console.log(`  ${ms(value('nosite'))} ms CPU per python3 -S -c 'print(1)' (no site module: Python's own floor)`);
console.log(`  ${value('modules')} modules loaded by a start`);
console.log("  site's slowest imports (-X importtime, µs: self | cumulative | module):");
for (const line of lines.filter((l) => l.startsWith('import '))) console.log(`    ${line.slice('import import time:'.length).trim()}`);
