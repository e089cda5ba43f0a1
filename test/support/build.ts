import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** What `npm run build` reads: the sources of the apps, the libraries and the playground, and how they are compiled. */
const INPUT_DIRS = ['apps', 'libs', 'web'];
const INPUT_FILES = ['package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
/** What it writes last of each step: the entry point (tsc, tsc-alias) and the playground's page (Vite). */
const OUTPUTS = ['dist/apps/kiln/src/main.js', 'dist/web/index.html'];

/**
 * Runs `npm run build` unless dist/ is newer than every source: suites that
 * start `kiln` processes or serve the playground use the build, and each tier's
 * global setup calls this, so one run of several tiers (or `npm test` after
 * its pretest) builds once.
 */
export function buildIfStale(): void {
  const built = Math.min(...OUTPUTS.map((path) => mtimeOf(join(ROOT, path))));
  const changed = Math.max(...INPUT_FILES.map((path) => mtimeOf(join(ROOT, path))), ...INPUT_DIRS.map((dir) => newestUnder(join(ROOT, dir))));
  if (built >= changed) return;
  execSync('npm run --silent build', { cwd: ROOT, stdio: 'inherit' });
}

function mtimeOf(path: string): number {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

/** The newest modification under `dir`, unit tests aside (the build leaves them out). */
function newestUnder(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestUnder(path));
    else if (!entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}
