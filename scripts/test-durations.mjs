#!/usr/bin/env node
// Prints how long each test file of a Jest run took, slowest first, and the
// run's wall time, from Jest's JSON report:
//   npx jest --selectProjects system system-serial --json --outputFile=/tmp/system.json
//   node scripts/test-durations.mjs /tmp/system.json [more reports...]
// Several reports (the system tier's two invocations, say) are read as one run.
// With `--markdown`, the table is written in Markdown (for test/README.md).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const markdown = args.includes('--markdown');
const reports = args.filter((arg) => !arg.startsWith('--'));
if (reports.length === 0) {
  console.error('usage: node scripts/test-durations.mjs [--markdown] <jest --json report>...');
  process.exit(2);
}

const files = reports.flatMap((path) => JSON.parse(readFileSync(path, 'utf8')).testResults.map((result) => fileOf(result)));
files.sort((a, b) => b.seconds - a.seconds);
const wall = wallSeconds(reports.map((path) => JSON.parse(readFileSync(path, 'utf8'))));
const total = files.reduce((sum, file) => sum + file.seconds, 0);

if (markdown) {
  console.log('| file | s | tests | status |\n|---|---:|---:|---|');
  for (const file of files) console.log(`| ${file.name} | ${file.seconds.toFixed(1)} | ${file.tests} | ${file.status} |`);
} else {
  for (const file of files) console.log(`${file.seconds.toFixed(1).padStart(7)} s  ${String(file.tests).padStart(3)} tests  ${file.status.padEnd(6)}  ${file.name}`);
}
console.log(`\n${files.length} files, ${total.toFixed(0)} s summed over files, ${wall.toFixed(0)} s wall (first start to last end, per report, added)`);

function fileOf(result) {
  return {
    name: relative(root, result.name),
    seconds: (result.endTime - result.startTime) / 1000,
    tests: result.assertionResults.length,
    status: result.status,
  };
}

/** Each report's wall time, from its first file's start to its last file's end; reports ran one after another. */
function wallSeconds(parsed) {
  return parsed.reduce((sum, report) => {
    const results = report.testResults;
    if (results.length === 0) return sum;
    const start = Math.min(report.startTime, ...results.map((r) => r.startTime));
    const end = Math.max(...results.map((r) => r.endTime));
    return sum + (end - start) / 1000;
  }, 0);
}
