import { spawnSync } from 'node:child_process';
import { loadConfig } from '@kiln/config';
import { REPO_ROOT } from '../support/kiln-harness';

/**
 * Issue 5: GET /languages reports real versions. The table's `version` is
 * what each image's toolchain says about itself: every language's
 * versionCommand runs in its image and must print the version in the table
 * (what GET /languages answers: versions.component-spec.ts).
 */
describe('language versions', () => {
  // The table in use: a test copy (KILN_LANGUAGES) may point a language at an image being tried out.
  const { languages } = loadConfig({ KILN_HOME: REPO_ROOT, ...(process.env.KILN_LANGUAGES ? { KILN_LANGUAGES: process.env.KILN_LANGUAGES } : {}) });

  it('every version in the table is the one its image’s toolchain reports', () => {
    const mismatches: string[] = [];
    for (const language of languages.all()) {
      if (!language.versionCommand) {
        mismatches.push(`${language.id}: no versionCommand`);
        continue;
      }
      const [command, ...args] = language.versionCommand;
      const ran = spawnSync('docker', ['run', '--rm', '--network', 'none', '--entrypoint', command, language.image, ...args], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      const said = `${ran.stdout}${ran.stderr}`;
      if (ran.status !== 0 || !said.includes(language.version)) {
        mismatches.push(`${language.id}: table says ${language.version}, ${language.image} says ${JSON.stringify(said.trim().split('\n')[0])}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('every package in the table is in its image, at the table’s version', () => {
    const withPackages = languages.all().filter((language) => language.packages);
    expect(withPackages.map((language) => language.id)).toContain('python');
    const mismatches: string[] = [];
    for (const language of withPackages) {
      const [command, ...args] = language.packagesCommand ?? ['false'];
      const ran = spawnSync('docker', ['run', '--rm', '--network', 'none', '--entrypoint', command, language.image, ...args], { encoding: 'utf8', timeout: 60_000 });
      const lines = ran.stdout.split('\n');
      for (const [name, version] of Object.entries(language.packages!)) {
        if (ran.status !== 0 || !lines.includes(`${name} ${version}`)) mismatches.push(`${language.id}: table says ${name} ${version}, ${language.image} says ${JSON.stringify(`${ran.stdout}${ran.stderr}`.trim())}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
