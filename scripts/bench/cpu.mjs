// CPU time spent while a measurement runs: the whole machine's (/proc/stat)
// and named processes' own (/proc/<pid>/stat, user + system, not their
// children's), in milliseconds. Linux only.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** Busy time of all CPUs together: user, nice, system, irq, softirq, steal (guest time is inside user). */
function machineMs() {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return (user + nice + system + irq + softirq + (steal || 0)) * TICK_MS;
}

/** A process's own user + system time (fields 14 and 15 of /proc/<pid>/stat); NaN once it is gone. */
function processMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}

/**
 * Starts counting: `processes` maps a name to a pid (or null: not measured).
 * `stop(jobs)` gives the CPU per job: `machine` and one entry per process, ms.
 */
export function cpuMeter(processes = {}) {
  const measured = Object.entries(processes).filter(([, pid]) => pid);
  const before = { machine: machineMs(), ...Object.fromEntries(measured.map(([name, pid]) => [name, processMs(pid)])) };
  return {
    stop(jobs) {
      const after = { machine: machineMs(), ...Object.fromEntries(measured.map(([name, pid]) => [name, processMs(pid)])) };
      return Object.fromEntries(Object.keys(before).map((name) => [name, (after[name] - before[name]) / jobs]));
    },
  };
}
