#!/usr/bin/env node
// Makes the tree ready to start or to test (npm's prestart and pretest hooks):
// dependencies installed, TypeScript built, runtime images built. Each step is
// skipped when already done, so it is cheap to run every time.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const run = (command) => execSync(command, { cwd: root, stdio: 'inherit' });
const mtime = (path) => (existsSync(`${root}/${path}`) ? statSync(`${root}/${path}`).mtimeMs : 0);

if (mtime('node_modules/.package-lock.json') < mtime('package-lock.json')) {
  console.log('[prepare] installing dependencies (npm ci)');
  run('npm ci --no-audit --no-fund');
}
console.log('[prepare] building');
run('npm run --silent build');
run('node scripts/build-images.mjs');
