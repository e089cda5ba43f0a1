import { spawnSync } from 'node:child_process';
import { useKiln } from '../support/kiln-suite';

/**
 * Issue 5: GET /languages reports real versions. The table's `version` is
 * what each image's toolchain says about itself: every language's
 * versionCommand runs in its image and must print the version in the table.
 */
describe('language versions', () => {
  const suite = useKiln({ worker: false });

  it('GET /languages lists every language of the table with its version and whether it compiles', async () => {
    const response = await suite.kiln.http().get('/languages');
    expect(response.status).toBe(200);
    const table = suite.kiln.loaded.languages.all();
    expect(response.body).toEqual(
      table.map((language) => ({
        id: language.id,
        name: language.name,
        version: language.version,
        aliases: language.aliases,
        compiled: Boolean(language.compile),
      })),
    );
  });

  it.each(['go', 'golang', 'c++', 'py', 'js', 'ts', 'cs', 'c#', 'rb', 'JDK'])('the alias %s resolves', (alias) => {
    expect(suite.kiln.loaded.languages.resolve(alias)).toBeDefined();
  });

  it('every version in the table is the one its image’s toolchain reports', () => {
    const mismatches: string[] = [];
    for (const language of suite.kiln.loaded.languages.all()) {
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
