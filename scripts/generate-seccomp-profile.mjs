#!/usr/bin/env node
// Writes the seccomp profile of nested mode's outer containers:
// apps/worker/src/sandbox/seccomp/nested-outer.json.
//
// It is Docker's default profile (the engine's built-in one cannot be read
// through the API, so it is taken from the moby source that Debian ships in
// golang-github-docker-docker-dev, the same 20.10 release as the engine) plus
// exactly the calls bubblewrap needs to build a nested sandbox as an
// unprivileged user: clone with namespace flags, unshare, mount, umount2 and
// pivot_root (setns and clone3 are not needed and stay refused; measured: take
// any one of the five away and bwrap fails). Every added rule carries
// ADDED_COMMENT, so tests can strip them again.
//
// Usage: node scripts/generate-seccomp-profile.mjs [path/to/docker/default.json]
//   (apt-get install golang-github-docker-docker-dev provides the default path)
import { readFileSync, writeFileSync } from 'node:fs';

const DEBIAN_PATH = '/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json';
const OUTPUT = new URL('../apps/worker/src/sandbox/seccomp/nested-outer.json', import.meta.url).pathname;
export const ADDED_COMMENT = 'kiln nested mode: bubblewrap builds each nested sandbox';

const source = process.argv[2] ?? DEBIAN_PATH;
let profile;
try {
  profile = JSON.parse(readFileSync(source, 'utf8'));
} catch (error) {
  console.error(`cannot read Docker's default seccomp profile at ${source}: ${error.message}`);
  console.error('install it with `apt-get install golang-github-docker-docker-dev`, or pass its path');
  process.exit(1);
}
if (profile.defaultAction !== 'SCMP_ACT_ERRNO' || !Array.isArray(profile.syscalls)) {
  console.error(`${source} does not look like Docker's default seccomp profile`);
  process.exit(1);
}
const added = (names) => ({ names, action: 'SCMP_ACT_ALLOW', args: [], comment: ADDED_COMMENT, includes: {}, excludes: {} });
profile.syscalls.push(added(['clone', 'unshare', 'mount', 'umount2', 'pivot_root']));
writeFileSync(OUTPUT, `${JSON.stringify(profile, null, 1)}\n`);
console.log(`wrote ${OUTPUT} from ${source}`);
