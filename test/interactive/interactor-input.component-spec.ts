import { Harness, startKiln } from '../support/kiln-harness';
import { ARGLESS_ENTRY, TestLanguageTable, languagesWith } from '../support/language-table';

/**
 * An interactor's `input` (README, "Interactors"): `stdin` or testlib's
 * `file`. What the request may not say is refused before anything is
 * planned, naming the field; the games themselves are the system tier's
 * (interactor.e2e-spec.ts).
 */
describe('an interactor\'s input: refused requests', () => {
  let kiln: Harness;
  let languages: TestLanguageTable;

  beforeAll(async () => {
    // A language whose run step takes no arguments: it cannot take testlib's input.txt output.txt.
    languages = languagesWith(ARGLESS_ENTRY);
    kiln = await startKiln({ worker: false, env: { KILN_LANGUAGES: languages.file } });
  });

  afterAll(async () => {
    await kiln?.close();
    languages?.remove();
  });

  const reserved = 'with input "file" Kiln writes input.txt and the interactor output.txt: name its files otherwise';
  const interactor = (fields: object) => ({ language: 'python', code: 'print(1)', stdin: '5\n', interactor: { language: 'cpp', code: 'int main() {}', ...fields } });

  it.each([
    ['an input Kiln does not know', { input: 'argv' }, 'interactor.input', 'input must be one of the following values: stdin, file'],
    ['an input that is not a string', { input: true }, 'interactor.input', 'input must be one of the following values: stdin, file'],
    ['a file named input.txt in file mode', { input: 'file', code: undefined, files: [{ name: 'input.txt', content: '1' }] }, 'interactor.files[0].name', reserved],
    ['a file named output.txt beside the code in file mode', { input: 'file', files: [{ name: 'output.txt', content: '' }] }, 'interactor.files[0].name', reserved],
    ['a language whose run takes no arguments in file mode', { input: 'file', language: 'argless' }, 'interactor.language', 'argless cannot run an interactor with input "file": its run command takes no arguments'],
  ])('refuses %s: 400 naming the field', async (_case, fields, field, message) => {
    for (const path of ['/execute', '/jobs']) {
      const answer = await kiln.http().post(path).send(interactor(fields));
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: 'invalid request', details: [{ field, message }] });
    }
  });
});
