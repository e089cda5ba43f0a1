// The benchmark's table: each Kiln figure beside its baseline, the ratio and the target.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem, release } from 'node:os';

export function machine() {
  const docker = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).trim();
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0].model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Docker ${docker}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

const ms = (v) => `${v.toFixed(0)} ms`;
export const latency = (s) => `${ms(s.p50)} (p90 ${ms(s.p90)}, p99 ${ms(s.p99)}, n=${s.n})`;
export const rate = (v, unit = 'jobs/s') => `${v.toFixed(1)} ${unit}`;

/** rows: {what, kiln, baseline, ratio, target, met} (ratio a number or null, met true/false/null). */
export function table(rows) {
  const lines = ['| measurement | Kiln | baseline (same run) | ratio | target | met |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const ratio = r.ratio === null || r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`;
    const met = r.met === null || r.met === undefined ? '' : r.met ? 'yes' : '**no**';
    lines.push(`| ${r.what} | ${r.kiln} | ${r.baseline ?? ''} | ${ratio} | ${r.target ?? ''} | ${met} |`);
  }
  return lines.join('\n');
}
