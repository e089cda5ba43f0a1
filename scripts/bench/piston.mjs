// The Piston the operator names with PISTON_URL (bringing it up is theirs:
// nothing of Piston is in this repository). The benchmark talks to loopback
// only, so PISTON_URL must name a loopback address; the process that listens
// on its port is found in /proc, so that its own CPU time can be counted.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { pistonPeer } from './peers.mjs';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;
const NEEDED = ['python', 'c', 'c++'];

/** The Piston at `url`, with its runtimes checked, or an error saying what is missing. */
export async function connectPiston(url) {
  const { hostname, port, protocol } = new URL(url);
  if (!LOOPBACK.test(hostname)) throw new Error(`PISTON_URL must name a loopback address (the benchmark sends traffic to nothing else), not ${hostname}`);
  const runtimes = await fetch(new URL('/api/v2/runtimes', url)).then((r) => r.json());
  const missing = NEEDED.filter((language) => !runtimes.some((runtime) => runtime.language === language));
  if (missing.length) throw new Error(`the Piston at ${url} has no ${missing.join(', ')} runtime (it has: ${runtimes.map((r) => r.language).join(', ')})`);
  const versions = NEEDED.map((language) => `${language} ${runtimes.find((r) => r.language === language).version}`).join(', ');
  const listening = Number(port || (protocol === 'https:' ? 443 : 80));
  return { peer: pistonPeer(url.replace(/\/$/, '')), pid: listenerPid(listening), versions };
}

/** The pid of the process listening on a TCP port of this machine (/proc/net/tcp{,6} → socket inode → /proc/<pid>/fd), or null. */
function listenerPid(port) {
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const rows = readFileSync(table, 'utf8').trim().split('\n').slice(1);
    for (const row of rows) {
      const [, local, , state, , , , , , inode] = row.trim().split(/\s+/);
      // State 0A: LISTEN.
      if (state === '0A' && parseInt(local.split(':')[1], 16) === port) inodes.add(`socket:[${inode}]`);
    }
  }
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readdirSync(`/proc/${pid}/fd`).some((fd) => inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`)))) return Number(pid);
    } catch {
      // A process that ended, or one we may not look into.
    }
  }
  return null;
}
