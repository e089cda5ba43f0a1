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
  const { languages } = loadConfig({ KILN_HOME: REPO_ROOT });

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
});
