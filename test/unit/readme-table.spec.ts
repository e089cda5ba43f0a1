import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/kiln-harness';

const SCRIPT = join(REPO_ROOT, 'scripts', 'languages-table.mjs');
const check = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, '--check', ...args], { encoding: 'utf8' });

/** Issue 5, acceptance 1: the README's table of languages is what the script generates from the language table. */
describe('README languages table', () => {
  it('is up to date with config/languages.yaml', () => {
    const checked = check();
    expect(checked.stderr).toBe('');
    expect(checked.status).toBe(0);
  });

  it('would be out of date after a change to the table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-table-'));
    try {
      const changed = join(dir, 'languages.yaml');
      writeFileSync(changed, readFileSync(join(REPO_ROOT, 'config', 'languages.yaml'), 'utf8').replace('"3.11.2"', '"3.11.3"'));
      const checked = check(changed);
      expect(checked.status).toBe(1);
      expect(checked.stderr).toContain('out of date');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
