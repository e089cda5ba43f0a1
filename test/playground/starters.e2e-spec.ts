import { Harness, startKiln } from '../support/kiln-harness';
import { EXAMPLES } from '../../web/src/examples';
import { STARTER_INPUT, STARTER_OUTPUT, STARTERS } from '../../web/src/starters';

/** Issue 8: the playground's starter program of every language runs as shown, and prints what it says; so does every example (issue 16). */
describe('playground starters', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln();
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('covers every language of the default table', async () => {
    const languages = (await kiln.http().get('/languages')).body.map((l: { id: string }) => l.id);
    expect(Object.keys(STARTERS).sort()).toEqual([...languages].sort());
  });

  it.each(Object.entries(STARTERS))('%s starter runs OK', async (language, code) => {
    const input = STARTER_INPUT[language];
    const answer = await kiln.http().post('/execute').send({ language, code, ...(input ? { stdin: input.stdin } : {}) });
    expect({ language, verdict: answer.body.verdict, stdout: answer.body.run?.stdout, compile: answer.body.compile?.stderr ?? '' }).toEqual({
      language,
      verdict: 'OK',
      stdout: `${input?.prompt ?? ''}${STARTER_OUTPUT}`,
      compile: '',
    });
  });

  it.each(Object.entries(EXAMPLES))('the %s example runs OK and returns the files it names', async (_id, example) => {
    const answer = await kiln.http().post('/execute').send(example.program);
    expect(answer.body).toMatchObject({ state: 'COMPLETED', verdict: 'OK', run: { stderr: '' } });
    expect(answer.body.run.files.length).toBeGreaterThan(0);
  });
});
