#!/usr/bin/env node
// Builds Kiln's runtime images (images/*/Dockerfile) as kiln/<dir>:latest, base
// first. An image is rebuilt only when its sources changed: each carries a label
// with the hash of its directory (and, for images FROM kiln/base, base's hash).
// Usage: node scripts/build-images.mjs [--force] [--no-base] [name...]
//   --no-base  keep whatever kiln/base:latest is present (build only the language images)
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const imagesDir = join(root, 'images');
const args = process.argv.slice(2);
const force = args.includes('--force');
const skipBase = args.includes('--no-base');
const only = args.filter((a) => !a.startsWith('--'));
const LABEL = 'kiln.source-hash';

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  }).sort();
}

function hashOf(dirs, extra = '') {
  const hash = createHash('sha256').update(extra);
  for (const dir of dirs) for (const file of filesUnder(dir)) {
    hash.update(relative(imagesDir, file)).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function currentLabel(tag) {
  const out = spawnSync('docker', ['image', 'inspect', '--format', `{{ index .Config.Labels "${LABEL}" }}`, tag], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : null;
}

function build(name, hash) {
  const tag = `kiln/${name}:latest`;
  if (!force && currentLabel(tag) === hash) {
    console.log(`[images] ${tag} up to date`);
    return;
  }
  console.log(`[images] building ${tag}`);
  const started = Date.now();
  execFileSync('docker', ['build', '-q', '--label', `${LABEL}=${hash}`, '-t', tag, '-f', join(imagesDir, name, 'Dockerfile'), imagesDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`[images] built ${tag} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

const dockerOk = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
if (!dockerOk) {
  console.error('[images] no Docker engine answers (docker info failed). Start dockerd first (see scripts/host-services.sh).');
  process.exit(1);
}
if (spawnSync('docker', ['image', 'inspect', 'debian:bookworm-slim'], { stdio: 'ignore' }).status !== 0) {
  console.error('[images] debian:bookworm-slim is missing: `docker pull debian:bookworm-slim`, or seed it with scripts/host-services.sh');
  process.exit(1);
}

const names = readdirSync(imagesDir).filter((n) => existsSync(join(imagesDir, n, 'Dockerfile')));
if (!skipBase) build('base', hashOf([join(imagesDir, 'base'), join(imagesDir, 'agent')]));
// Language images depend on the base image actually present, whoever built it.
const baseLabel = currentLabel('kiln/base:latest');
if (baseLabel === null) {
  console.error('[images] kiln/base:latest is missing; build it first (without --no-base)');
  process.exit(1);
}
for (const name of names.filter((n) => n !== 'base' && (only.length === 0 || only.includes(n)))) {
  build(name, hashOf([join(imagesDir, name)], baseLabel));
}
