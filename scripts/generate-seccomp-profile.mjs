#!/usr/bin/env node
// Writes Kiln's two seccomp profiles from one source, both in
// apps/worker/src/sandbox/seccomp/ (README.md there says which upstream
// version docker-default.json is):
//
//   container.json     container mode: Docker's default profile
//                      (docker-default.json, moby's profiles/seccomp/default.json
//                      copied verbatim) with io_uring taken out of every allow
//                      rule and refused by a rule of its own (EPERM).
//   nested-outer.json  nested mode's outer containers: container.json plus
//                      exactly the calls bubblewrap needs to build a nested
//                      sandbox as an unprivileged user: clone with namespace
//                      flags, unshare, mount, umount2 and pivot_root (setns and
//                      clone3 are not needed and stay refused; measured: take
//                      any one of the five away and bwrap fails).
//
// Every rule Kiln adds carries a comment starting with "kiln", so tests (and
// readers) can tell Kiln's rules from Docker's.
//
// Usage:
//   node scripts/generate-seccomp-profile.mjs             regenerate both profiles
//   node scripts/generate-seccomp-profile.mjs --check     exit 1 if a committed profile is not what this writes
//   node scripts/generate-seccomp-profile.mjs --upstream path/to/default.json
//        take a new upstream profile first (copied verbatim over docker-default.json;
//        then update the version in the README)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = new URL('../apps/worker/src/sandbox/seccomp/', import.meta.url).pathname;
const UPSTREAM = join(DIR, 'docker-default.json');
const IO_URING = ['io_uring_setup', 'io_uring_enter', 'io_uring_register'];
const IO_URING_COMMENT = 'kiln: io_uring refused, the kernel surface behind a long run of privilege escalations';
const BWRAP_COMMENT = 'kiln nested mode: bubblewrap builds each nested sandbox';
const EPERM = 1;

function parseUpstream(text, source) {
  const profile = JSON.parse(text);
  if (profile.defaultAction !== 'SCMP_ACT_ERRNO' || !Array.isArray(profile.syscalls)) {
    throw new Error(`${source} does not look like Docker's default seccomp profile (a default of SCMP_ACT_ERRNO and a syscalls list)`);
  }
  return profile;
}

/** Docker's profile with no rule allowing io_uring, and one refusing it. */
function containerProfile(upstream) {
  const syscalls = upstream.syscalls
    .map((rule) => (rule.action === 'SCMP_ACT_ALLOW' ? { ...rule, names: rule.names.filter((name) => !IO_URING.includes(name)) } : rule))
    .filter((rule) => rule.names.length > 0);
  const refuseIoUring = { names: IO_URING, action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, comment: IO_URING_COMMENT };
  return { ...upstream, syscalls: [...syscalls, refuseIoUring] };
}

/** The container profile plus what bwrap needs. */
function nestedOuterProfile(container) {
  const bwrap = { names: ['clone', 'unshare', 'mount', 'umount2', 'pivot_root'], action: 'SCMP_ACT_ALLOW', comment: BWRAP_COMMENT };
  return { ...container, syscalls: [...container.syscalls, bwrap] };
}

const text = (profile) => `${JSON.stringify(profile, null, 1)}\n`;

function profiles(upstream) {
  const container = containerProfile(upstream);
  return { 'container.json': text(container), 'nested-outer.json': text(nestedOuterProfile(container)) };
}

function main(args) {
  const from = args.includes('--upstream') ? args[args.indexOf('--upstream') + 1] : undefined;
  if (args.includes('--upstream') && !from) throw new Error('--upstream needs the path of a default.json');
  if (from) {
    const upstreamText = readFileSync(from, 'utf8');
    parseUpstream(upstreamText, from);
    writeFileSync(UPSTREAM, upstreamText);
    console.log(`copied ${from} to ${UPSTREAM}: update the version in ${join(DIR, 'README.md')}`);
  }
  const wanted = profiles(parseUpstream(readFileSync(UPSTREAM, 'utf8'), UPSTREAM));
  if (args.includes('--check')) {
    const stale = Object.entries(wanted).filter(([name, content]) => readFileSync(join(DIR, name), 'utf8') !== content);
    for (const [name] of stale) console.error(`${join(DIR, name)} is not what scripts/generate-seccomp-profile.mjs writes: run it`);
    return stale.length === 0 ? 0 : 1;
  }
  for (const [name, content] of Object.entries(wanted)) {
    writeFileSync(join(DIR, name), content);
    console.log(`wrote ${join(DIR, name)}`);
  }
  return 0;
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (error) {
  console.error(`generate-seccomp-profile: ${error.message}`);
  process.exit(1);
}
