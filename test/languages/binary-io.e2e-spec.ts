import { useKiln } from '../support/kiln-suite';

/** Bytes that are not UTF-8 text: NUL, a lone continuation byte, an overlong form, 0xFF. */
const BINARY = Buffer.from([0x00, 0x61, 0x80, 0xc0, 0xaf, 0xff, 0xfe, 0x0a, 0x00, 0xe2, 0x82]);

/** Issue 5, acceptance 6: binary-safe stdin and output; base64 in and out round-trips exactly. */
describe('binary-safe I/O', () => {
  const suite = useKiln();


  it('round-trips output with invalid UTF-8 and NUL bytes through base64 exactly', async () => {
    const response = await suite.execute({
      language: 'python',
      code: 'import sys\ndata = sys.stdin.buffer.read()\nsys.stdout.buffer.write(data)\nsys.stderr.buffer.write(data[::-1])',
      stdin: BINARY.toString('base64'),
      stdinEncoding: 'base64',
      outputEncoding: 'base64',
    });
    expect(response.body).toMatchObject({ verdict: 'OK', run: { encoding: 'base64', exitCode: 0 } });
    expect(Buffer.from(response.body.run.stdout, 'base64')).toEqual(BINARY);
    expect(Buffer.from(response.body.run.stderr, 'base64')).toEqual(Buffer.from(BINARY).reverse());
  });

  it('produces binary output from a compiled program, base64 in compile and run results alike', async () => {
    const code = '#include <stdio.h>\nint main(void) { fwrite("\\x00\\xff\\x80kiln", 1, 7, stdout); return 0; }';
    const response = await suite.execute({ language: 'c', code, outputEncoding: 'base64' });
    expect(Buffer.from(response.body.run.stdout, 'base64')).toEqual(Buffer.from([0x00, 0xff, 0x80, ...Buffer.from('kiln')]));
    expect(response.body.compile).toMatchObject({ encoding: 'base64', stdout: '', stderr: '' });
  });

  it('survives invalid UTF-8 and NUL in text mode (U+FFFD replaces the invalid bytes, NUL stays)', async () => {
    const response = await suite.execute({
      language: 'python',
      code: 'import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read())',
      stdin: BINARY.toString('base64'),
      stdinEncoding: 'base64',
    });
    expect(response.body.verdict).toBe('OK');
    expect(response.body.run.encoding).toBeUndefined();
    expect(response.body.run.stdout).toBe(BINARY.toString('utf8'));
    expect(response.body.run.stdout.startsWith('\u0000a\ufffd')).toBe(true);
    const polled = await suite.kiln.http().get(`/jobs/${response.body.id}`);
    expect(polled.body.run.stdout).toBe(response.body.run.stdout);
  });

  it('judges binary test cases byte for byte', async () => {
    const tests = [
      { stdin: BINARY.toString('base64'), expected: BINARY.toString('base64'), encoding: 'base64' },
      { stdin: BINARY.toString('base64'), expected: Buffer.from(BINARY).reverse().toString('base64'), encoding: 'base64' },
    ];
    const code = 'import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read())';
    const response = await suite.execute({ language: 'python', code, tests, comparison: 'exact', outputEncoding: 'base64' });
    expect(response.body.tests.map((test: { verdict: string }) => test.verdict)).toEqual(['OK', 'WRONG_ANSWER']);
    expect(Buffer.from(response.body.tests[1].stdout, 'base64')).toEqual(BINARY);
  });

  it('refuses stdin that is not base64 when it says it is', async () => {
    const response = await suite.execute({ language: 'python', code: 'pass', stdin: '@@@', stdinEncoding: 'base64' });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([{ field: 'stdin', message: expect.stringContaining('base64') }]);
  });
});
