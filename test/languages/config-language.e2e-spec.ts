import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AWK_ENTRY } from '../support/awk-language';
import { Harness, REPO_ROOT, startKiln } from '../support/kiln-harness';
import { spawnKiln } from '../support/processes';

/** Issue 5, acceptance 2: a language added only through a languages file runs; a bad entry stops start-up. */
describe('a language added by configuration only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-languages-'));
  const shipped = readFileSync(join(REPO_ROOT, 'config', 'languages.yaml'), 'utf8');
  const withAwk = join(dir, 'languages.yaml');
  writeFileSync(withAwk, shipped + AWK_ENTRY);
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ env: { KILN_LANGUAGES: withAwk } });
  });

  afterAll(async () => {
    await kiln?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is listed by GET /languages', async () => {
    const response = await kiln.http().get('/languages');
    expect(response.body).toContainEqual({ id: 'awk', name: 'AWK (mawk)', version: '1.3.4', aliases: ['mawk'], compiled: false });
  });

  it('runs, with stdin and args, by id or alias', async () => {
    const code = 'BEGIN { printf "args:%s|%s\\n", ARGV[1], ARGV[2]; ARGC = 1 } { total += $1 } END { print "sum", total }';
    const response = await kiln.http().post('/execute').send({ language: 'mawk', code, stdin: '1\n2\n39\n', args: ['$(id)', 'a b'] });
    expect(response.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', language: 'awk', run: { stdout: 'args:$(id)|a b\nsum 42\n' } });
  });

  it('is judged like any other language (test cases)', async () => {
    const response = await kiln.http().post('/execute').send({
      language: 'awk',
      code: '{ print $1 * 2 }',
      tests: [{ stdin: '21', expected: '42' }, { stdin: '2', expected: '5' }],
    });
    expect(response.body).toMatchObject({ verdict: 'WRONG_ANSWER', tests: [{ verdict: 'OK' }, { verdict: 'WRONG_ANSWER', stdout: '4\n' }] });
  });

  it('stops start-up when an entry is invalid, naming the entry and the key (exit 78)', async () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, shipped + AWK_ENTRY.replace('run: [awk, -f, "{file}", "{args}"]', 'run: awk -f {file}\n    colour: blue'));
    const started = spawnKiln('worker', { KILN_HOME: REPO_ROOT, KILN_LANGUAGES: broken });
    expect(await started.exited).toBe(78);
    const index = kiln.loaded.languages.all().length - 1;
    expect(started.output()).toContain(`languages[${index}] (awk): key "colour": unknown key`);
    expect(started.output()).toContain(`languages[${index}] (awk): key "run": must be a non-empty list of strings`);
  });
});
