import { useKiln } from '../support/kiln-suite';

/**
 * What the compatibility APIs needed from the native job model, added to it
 * in a general way (issue 9): combinedOutput, limits.cpuTimeMs, compilerOptions.
 */
describe('native additions for the compatibility APIs', () => {
  const suite = useKiln();

  // The pauses keep the writes apart: chunks that reach the agent's two pipes at
  // the same instant have no order between them (the same holds for Piston).
  const interleaving = [
    'import sys, time',
    'print("one", flush=True)',
    'time.sleep(0.2)',
    'print("two", file=sys.stderr, flush=True)',
    'time.sleep(0.2)',
    'print("three", flush=True)',
  ].join('\n');

  it('combinedOutput: `output` holds stdout and stderr in the order they were written', async () => {
    const { body } = await suite.execute({ language: 'python', code: interleaving, combinedOutput: true });
    expect(body.run).toMatchObject({ stdout: 'one\nthree\n', stderr: 'two\n', output: 'one\ntwo\nthree\n' });
    const plain = await suite.execute({ language: 'python', code: interleaving });
    expect(plain.body.run.output).toBeUndefined();
  });

  it('combinedOutput reaches test results and the compile step, in the requested encoding', async () => {
    const tests = await suite.execute({
      language: 'python',
      code: interleaving,
      tests: [{ expected: 'one\nthree' }],
      combinedOutput: true,
      outputEncoding: 'base64',
    });
    expect(Buffer.from(tests.body.tests[0].output, 'base64').toString()).toBe('one\ntwo\nthree\n');
    const compile = await suite.execute({ language: 'c', code: 'int main() { return missing; }', combinedOutput: true });
    expect(compile.body.verdict).toBe('COMPILE_ERROR');
    expect(compile.body.compile.output).toContain('missing’ undeclared');
    expect(compile.body.compile.output).toBe(compile.body.compile.stdout + compile.body.compile.stderr);
  });

  it('limits.cpuTimeMs ends a busy program long before its wall-clock limit', async () => {
    const { body } = await suite.execute({ language: 'python', code: 'while True: pass', limits: { timeoutMs: 30000, cpuTimeMs: 1000 } });
    expect(body.verdict).toBe('TIMEOUT');
    // Ended by the CPU limit: about a second of CPU, well before the wall clock (however busy the machine).
    expect(body.run.cpuTimeMs).toBeGreaterThanOrEqual(850); // rusage reads a little under RLIMIT_CPU's clock on a busy machine
    expect(body.run.cpuTimeMs).toBeLessThan(3000);
    expect(body.run.wallTimeMs).toBeLessThan(30000);
  });

  it('limits.cpuTimeMs is refused above timeoutMs × cpus of the maxima', async () => {
    const { status, body } = await suite.execute({ language: 'python', code: 'pass', limits: { cpuTimeMs: 60001 } });
    expect(status).toBe(400);
    expect(body.details).toEqual([{ field: 'limits.cpuTimeMs', message: expect.stringContaining('must not exceed 60000') }]);
  });

  it('compilerOptions reach the compiler as separate arguments', async () => {
    const code = '#include <stdio.h>\nint main(void) { printf("%d %s\\n", VALUE, NAME); return 0; }';
    const { body } = await suite.execute({ language: 'c', code, compilerOptions: ['-DVALUE=42', '-DNAME="a b"'] });
    expect(body.verdict).toBe('OK');
    expect(body.run.stdout).toBe('42 a b\n');
  });

  it('compilerOptions are refused for a language whose compile step does not take them', async () => {
    const { status, body } = await suite.execute({ language: 'python', code: 'pass', compilerOptions: ['-O'] });
    expect(status).toBe(400);
    expect(body.details).toEqual([{ field: 'compilerOptions', message: 'python takes no compiler options' }]);
  });
});
