import { languagesWithAwk } from '../support/awk-language';
import { Harness, startKiln } from '../support/kiln-harness';

/** Issue 5, acceptance 2: a language added only through a languages file runs and is judged (listing and bad entries: config-language.component-spec.ts). */
describe('a language added by configuration only', () => {
  const table = languagesWithAwk();
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ env: { KILN_LANGUAGES: table.file } });
  });

  afterAll(async () => {
    await kiln?.close();
    table.remove();
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
});
