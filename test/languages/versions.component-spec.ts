import { useKiln } from '../support/kiln-suite';

/** Issue 5: GET /languages answers the language table, versions and aliases as configured (checked against the images: versions.e2e-spec.ts). */
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
        ...(language.packages ? { packages: language.packages } : {}),
      })),
    );
  });

  it.each(['go', 'golang', 'c++', 'py', 'js', 'ts', 'cs', 'c#', 'rb', 'JDK'])('the alias %s resolves', (alias) => {
    expect(suite.kiln.loaded.languages.resolve(alias)).toBeDefined();
  });
});
