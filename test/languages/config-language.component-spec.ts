import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AWK_ENTRY, languagesWithAwk } from '../support/awk-language';
import { Harness, REPO_ROOT, startKiln } from '../support/kiln-harness';
import { spawnKiln } from '../support/processes';

/** Issue 5, acceptance 2, at the API and at start-up: a language added by a languages file is listed; a bad entry stops start-up (runs: config-language.e2e-spec.ts). */
describe('a language added by configuration only', () => {
  const table = languagesWithAwk();
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ worker: false, env: { KILN_LANGUAGES: table.file } });
  });

  afterAll(async () => {
    await kiln?.close();
    table.remove();
  });

  it('is listed by GET /languages', async () => {
    const response = await kiln.http().get('/languages');
    expect(response.body).toContainEqual({ id: 'awk', name: 'AWK (mawk)', version: '1.3.4', aliases: ['mawk'], compiled: false });
  });

  it('stops start-up when an entry is invalid, naming the entry and the key (exit 78)', async () => {
    const broken = join(table.dir, 'broken.yaml');
    const awkIndex = kiln.loaded.languages.all().length - 1;
    writeFileSync(broken, `${table.shipped}${AWK_ENTRY.replace('run: [awk, -f, "{file}", "{args}"]', 'run: awk -f {file}\n    colour: blue')}`);
    const started = spawnKiln('worker', { KILN_HOME: REPO_ROOT, KILN_LANGUAGES: broken });
    expect(await started.exited).toBe(78);
    expect(started.output()).toContain(`languages[${awkIndex}] (awk): key "colour": unknown key`);
    expect(started.output()).toContain(`languages[${awkIndex}] (awk): key "run": must be a non-empty list of strings`);
  });
});
