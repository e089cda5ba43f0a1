import { useKiln } from '../support/kiln-suite';
import { SAMPLES } from './samples';

/** Issue 5, acceptance 1: every language of the shipped table works end to end, with the right verdicts. */
describe('every language: hello world, stdin echo, compile error, runtime error', () => {
  const suite = useKiln();

  const languages = Object.keys(SAMPLES);
  const compiled = languages.filter((id) => SAMPLES[id].compileError);

  it('has samples for exactly the languages of the shipped table (14 or more)', () => {
    const table = suite.kiln.loaded.languages.all().map((language) => language.id);
    expect([...table].sort()).toEqual([...languages].sort());
    expect(table.length).toBeGreaterThanOrEqual(14);
    const compiledInTable = suite.kiln.loaded.languages.all().filter((language) => language.compile).map((language) => language.id);
    expect([...compiledInTable].sort()).toEqual([...compiled].sort());
  });

  it.each(languages)('%s: hello world', async (language) => {
    const response = await suite.execute({ language, code: SAMPLES[language].hello });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      state: 'COMPLETED',
      verdict: 'OK',
      run: { stdout: 'Hello, World!\n', exitCode: 0, signal: null, verdict: 'OK' },
    });
  });

  it.each(languages)('%s: echoes its stdin byte for byte', async (language) => {
    const stdin = 'first line\n  second, with spaces  \nno newline at the end';
    const response = await suite.execute({ language, code: SAMPLES[language].echo, stdin });
    expect(response.body).toMatchObject({ verdict: 'OK', run: { stdout: stdin, exitCode: 0 } });
  });

  it.each(compiled)('%s: a compile error is COMPILE_ERROR with the compiler’s message, and nothing runs', async (language) => {
    const { code, message } = SAMPLES[language].compileError!;
    const response = await suite.execute({ language, code });
    expect(response.body).toMatchObject({ state: 'COMPLETED', verdict: 'COMPILE_ERROR', run: null, compile: { verdict: 'COMPILE_ERROR' } });
    expect(response.body.compile.stdout + response.body.compile.stderr).toMatch(message);
    expect(response.body.compile.exitCode).not.toBe(0);
    expect(response.body.tasks.find((task: { id: string }) => task.id === 'run').state).toBe('SKIPPED');
  });

  it.each(languages)('%s: a runtime error is RUNTIME_ERROR with its exit code and message', async (language) => {
    const { code, exitCode, signal, stderr } = SAMPLES[language].runtimeError;
    const response = await suite.execute({ language, code });
    expect(response.body).toMatchObject({
      state: 'COMPLETED',
      verdict: 'RUNTIME_ERROR',
      run: { verdict: 'RUNTIME_ERROR', exitCode, signal: signal ?? null },
    });
    expect(response.body.run.stderr).toMatch(stderr);
  });
});
