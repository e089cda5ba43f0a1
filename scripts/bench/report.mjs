// The benchmark's tables: the machine, figures side by side, and the targets with pass or miss.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem, release } from 'node:os';

export function machine() {
  const docker = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).trim();
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0].model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Docker ${docker}, load average ${loadAverage()}`;
}

export const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(' ');

const ms = (v) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;
export const latency = (s) => `${ms(s.p50)} (p90 ${ms(s.p90)}, p99 ${ms(s.p99)}, n=${s.n})`;
export const rate = (v, unit = 'jobs/s') => `${v.toFixed(1)} ${unit}`;
export const cpuTime = (v) => (Number.isFinite(v) ? ms(v) : '');
export const ratio = (v) => `${v.toFixed(2)}×`;

/** A Markdown table: `headers`, then rows of cells (an absent cell is empty). */
export function markdown(headers, rows) {
  const line = (cells) => `| ${cells.map((cell) => cell ?? '').join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * One target: `measured` says the figures, `met` is true, false, or null
 * when it could not be judged (`why`: what is missing).
 */
export function targetRow({ target, measured, met, why }) {
  const verdict = met === null || met === undefined ? `n/a${why ? ` (${why})` : ''}` : met ? 'pass' : '**miss**';
  return [target, measured ?? '', verdict];
}
