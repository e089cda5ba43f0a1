#!/usr/bin/env node
// Prints how long each test file of a Jest run took, slowest first, and the
// run's wall time. Reads Jest's JSON report, or, where the run wrote none
// (a global teardown that throws stops Jest before it writes it), the run's
// console output (its `PASS`/`FAIL <file> (<n> s)` lines and `Time:`):
//   npx jest --selectProjects system --maxWorkers=2 --json --outputFile=/tmp/system.json 2>&1 | tee /tmp/system.log
//   node scripts/test-durations.mjs /tmp/system.json      (or /tmp/system.log)
// With `--markdown`, the table is written in Markdown.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const markdown = args.includes('--markdown');
const [report] = args.filter((arg) => !arg.startsWith('--'));
if (!report) {
  console.error('usage: node scripts/test-durations.mjs [--markdown] <jest --json report | jest console output>');
  process.exit(2);
}

const text = readFileSync(report, 'utf8');
const { files, wall } = text.trimStart().startsWith('{') ? fromJson(JSON.parse(text)) : fromConsole(text);
files.sort((a, b) => b.seconds - a.seconds);
const total = files.reduce((sum, file) => sum + file.seconds, 0);

if (markdown) {
  console.log('| file | s | status |\n|---|---:|---|');
  for (const file of files) console.log(`| ${file.name} | ${file.seconds.toFixed(1)} | ${file.status} |`);
} else {
  for (const file of files) console.log(`${file.seconds.toFixed(1).padStart(7)} s  ${file.status.padEnd(6)}  ${file.name}`);
}
console.log(`\n${files.length} files, ${total.toFixed(0)} s summed over files, ${wall.toFixed(0)} s wall (Jest's run, the build before it aside)`);

function fromJson(report) {
  const results = report.testResults;
  const files = results.map((result) => ({
    name: relative(root, result.name),
    seconds: (result.endTime - result.startTime) / 1000,
    status: result.status,
  }));
  const end = Math.max(...results.map((result) => result.endTime));
  return { files, wall: results.length ? (end - Math.min(...results.map((result) => result.startTime))) / 1000 : 0 };
}

/** Jest's console lines: `PASS system test/x.e2e-spec.ts (12.3 s)`, each file's first (a failure's summary repeats it); a file under 1 s has no time. */
function fromConsole(output) {
  const seen = new Map();
  for (const [, status, name, seconds] of output.matchAll(/^(PASS|FAIL) (?:\S+ )?(\S+\.[jt]s)(?: \(([\d.]+) s\))?$/gm)) {
    if (!seen.has(name)) seen.set(name, { name, seconds: Number(seconds ?? 0), status: status === 'PASS' ? 'passed' : 'failed' });
  }
  const time = /^Time:\s+([\d.]+) s/m.exec(output);
  return { files: [...seen.values()], wall: time ? Number(time[1]) : 0 };
}
