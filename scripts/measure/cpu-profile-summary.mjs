// Summarises a V8 CPU profile (node --cpu-prof) over a window of it: the
// self time per job of each package, of each of Kiln's files and of the
// busiest functions. Used by scripts/measure-request-path.mjs.

/** What a profile node's time is counted under. */
function placeOf({ functionName, url }) {
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`;
  const modules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  const kiln = /\/dist\/((?:apps|libs)\/[^/]+)\/src\/(.*)\.js$/.exec(url);
  if (kiln) return `kiln ${kiln[1]}/${kiln[2]}`;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

/**
 * `fromMicros`, `toMicros`: the window on the profiled process's monotonic
 * clock (process.hrtime, the profile's own clock); `jobs`: how many jobs ran
 * in it. Returns the printable summary.
 */
export function profileSummary(profile, fromMicros, toMicros, jobs, top = 25) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let at = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i];
    const duration = profile.timeDeltas[i + 1] ?? 0;
    if (at < fromMicros || at > toMicros) continue;
    const node = nodes.get(profile.samples[i]);
    if (node.callFrame.functionName === '(idle)') continue;
    self.set(node, (self.get(node) ?? 0) + duration);
    total += duration;
  }
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node);
  const byPlace = new Map();
  const byFunction = new Map();
  for (const [node, micros] of self) {
    const place = placeOf(node.callFrame);
    byPlace.set(place, (byPlace.get(place) ?? 0) + micros);
    const fn = `${node.callFrame.functionName || 'anonymous'} (${place}:${node.callFrame.lineNumber + 1})`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  }
  const perJob = (micros) => `${(micros / jobs / 1000).toFixed(3).padStart(7)} ms`;
  const lines = [`busy (not idle) in the window: ${perJob(total)} per job`, '', 'self time per job, by package or Kiln file:'];
  for (const [place, micros] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${perJob(micros)}  ${place}`);
  lines.push('', 'busiest functions (self time per job):');
  for (const [fn, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${perJob(micros)}  ${fn}`);
  lines.push('', 'where the busiest native functions are called from (3 frames up):');
  const natives = [...byFunction].sort((a, b) => b[1] - a[1]).filter(([fn]) => fn.includes('(native)')).slice(0, 4);
  for (const [fn] of natives) {
    const paths = new Map();
    for (const [node, micros] of self) {
      if (!fn.startsWith(`${node.callFrame.functionName || 'anonymous'} (`) || placeOf(node.callFrame) !== fn.split(' (')[1].split(':')[0]) continue;
      const chain = [];
      for (let up = parents.get(node.id); up && chain.length < 3; up = parents.get(up.id)) {
        chain.push(`${up.callFrame.functionName || 'anonymous'} (${placeOf(up.callFrame)}:${up.callFrame.lineNumber + 1})`);
      }
      paths.set(chain.join(' < '), (paths.get(chain.join(' < ')) ?? 0) + micros);
    }
    lines.push(fn);
    for (const [chain, micros] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 4)) lines.push(`  ${perJob(micros)}  < ${chain}`);
  }
  return lines.join('\n');
}
