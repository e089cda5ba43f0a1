import { Harness, startKiln } from '../support/kiln-harness';
import { pistonClient } from './piston-client';

const C_HELLO = '#include <stdio.h>\nint main(void) { puts("Hello, World!"); return 0; }';

/** The shape of every Piston stage (engineer-man/piston api/src/job.js). */
const STAGE_SHAPE = {
  stdout: expect.any(String),
  stderr: expect.any(String),
  output: expect.any(String),
  cpu_time: expect.any(Number),
  wall_time: expect.any(Number),
  memory: expect.any(Number),
};

/**
 * Issue 9, acceptance 1: the published npm package piston-client, unmodified,
 * against Kiln's Piston v2 endpoint; plus Piston's request rules and errors.
 */
describe('Piston v2 API', () => {
  let kiln: Harness;
  let client: ReturnType<typeof pistonClient>;

  beforeAll(async () => {
    kiln = await startKiln();
    await kiln.coordinator!.listen(0, '127.0.0.1');
    client = pistonClient(await kiln.coordinator!.getUrl());
  });

  afterAll(async () => {
    await kiln?.close();
  });

  describe('through piston-client', () => {
    it('lists the runtimes: language, version, aliases (and runtime where Piston names one)', async () => {
      const runtimes = await client.runtimes();
      expect(runtimes).toContainEqual({ language: 'python', version: '3.11.2', aliases: ['py', 'python3'] });
      expect(runtimes).toContainEqual({ language: 'c', version: '12.2.0', aliases: ['gcc'], runtime: 'gcc' });
      expect(runtimes).toContainEqual({ language: 'c++', version: '12.2.0', aliases: ['cpp', 'g++', 'cxx'], runtime: 'gcc' });
      expect(runtimes).toContainEqual({ language: 'csharp', version: '6.8.0', aliases: ['cs', 'c#', 'mono'], runtime: 'mono' });
      for (const runtime of runtimes) {
        expect(Object.keys(runtime).sort()).toEqual(runtime.runtime ? ['aliases', 'language', 'runtime', 'version'] : ['aliases', 'language', 'version']);
      }
    });

    it('runs Python: run stage only, with stdin and the client’s default args', async () => {
      const result = await client.execute('python', 'import sys\nprint(sys.argv[1:], input())', { stdin: 'hi' });
      expect(result).toEqual({
        language: 'python',
        version: '3.11.2',
        run: { ...STAGE_SHAPE, stdout: "['1', '2', '3'] hi\n", stderr: '', output: "['1', '2', '3'] hi\n", code: 0, signal: null, message: null, status: null },
      });
    });

    it('a Python runtime error: RE with the exit status, stderr and output', async () => {
      const { run } = await client.execute('python', 'print("before")\nprint(1 / 0)');
      expect(run).toMatchObject({ stdout: 'before\n', code: 1, signal: null, status: 'RE', message: 'Exited with error status 1' });
      expect(run.stderr).toContain('ZeroDivisionError: division by zero');
      expect(run.output).toBe(run.stdout + run.stderr);
    });

    it('runs C: a compile stage, then the run stage', async () => {
      const result = await client.execute('c', C_HELLO);
      expect(result).toEqual({
        language: 'c',
        version: '12.2.0',
        compile: { ...STAGE_SHAPE, stdout: '', stderr: '', output: '', code: 0, signal: null, message: null, status: null },
        run: { ...STAGE_SHAPE, stdout: 'Hello, World!\n', stderr: '', output: 'Hello, World!\n', code: 0, signal: null, message: null, status: null },
      });
    });

    it('a C compile error: the compile stage fails and run repeats it (as Piston does)', async () => {
      const result = await client.execute('c', 'int main(void) { return 0 }');
      expect(result.compile).toMatchObject({ code: 1, signal: null, status: 'RE', message: 'Exited with error status 1' });
      expect(result.compile.stderr).toMatch(/error: expected .;. before/);
      expect(result.compile.output).toBe(result.compile.stderr);
      expect(result.run).toEqual(result.compile);
    });

    it('a timeout: TO, killed with SIGKILL, no exit code', async () => {
      const { run } = await client.execute('python', 'import time\ntime.sleep(10)', { runTimeout: 1000 });
      expect(run).toMatchObject({ code: null, signal: 'SIGKILL', status: 'TO', message: 'Time limit exceeded (wall clock)' });
      expect(run.wall_time).toBeGreaterThanOrEqual(1000);
      expect(run.wall_time).toBeLessThan(5000);
    });

    it('Piston’s 400s: an unknown runtime, a limit over the configured one', async () => {
      expect(await client.execute({ language: 'cobol', version: '*', files: [{ content: 'x' }] })).toEqual({ message: 'cobol-* runtime is unknown' });
      expect(await client.execute('python', 'print(1)', { runTimeout: 30001 })).toEqual({
        message: 'run_timeout cannot exceed the configured limit of 30000',
      });
    });
  });

  describe('over plain HTTP', () => {
    const execute = (body: object) => kiln.http().post('/api/v2/execute').send(body);
    const python = (extra: object = {}) => ({ language: 'py', version: '*', files: [{ content: 'print(input())' }], stdin: 'x', ...extra });

    it('matches versions as Piston does (semver selectors, aliases)', async () => {
      for (const version of ['*', '3.x', '^3.10', '3.11.2', '>=3']) {
        const answer = await execute(python({ version }));
        expect({ version, status: answer.status, stdout: answer.body.run?.stdout }).toEqual({ version, status: 200, stdout: 'x\n' });
      }
      expect((await execute(python({ version: '2.x' }))).body).toEqual({ message: 'py-2.x runtime is unknown' });
      expect((await execute(python({ language: 'cpp', version: '12', files: [{ content: 'int main(){}' }] }))).body.language).toBe('c++');
    });

    it('checks the request in Piston’s order and words', async () => {
      const cases: [object, string][] = [
        [{}, 'language is required as a string'],
        [{ language: 'python' }, 'version is required as a string'],
        [{ language: 'python', version: '*' }, 'files is required as an array'],
        [{ language: 'python', version: '*', files: [{ name: 'a.py' }] }, 'files[0].content is required as a string'],
        [{ language: 'python', version: '*', files: [{ content: 'AA==', encoding: 'base64' }] }, 'files must include at least one utf8 encoded file'],
        [python({ run_memory_limit: '1' }), 'If specified, run_memory_limit must be a number'],
        [python({ compile_memory_limit: 4 * 1024 ** 3 }), 'compile_memory_limit cannot exceed the configured limit of 2147483648'],
        [python({ run_cpu_time: -5 }), 'run_cpu_time must be non-negative'],
        [python({ run_timeout: 50 }), 'run_timeout must be at least 100'],
        [python({ files: [{ name: '../x.py', content: 'print(1)' }] }), 'files[0].name: name must be a relative path of letters, digits, "_", "-", "." (no "..", no leading "/" or "-")'],
      ];
      for (const [body, message] of cases) {
        const answer = await execute(body);
        expect({ body, status: answer.status, answer: answer.body }).toEqual({ body, status: 400, answer: { message } });
      }
    });

    it('-1 memory limits are Piston’s “no limit”: Kiln’s defaults apply', async () => {
      const answer = await execute(python({ run_memory_limit: -1, compile_memory_limit: -1 }));
      expect(answer.status).toBe(200);
      expect(answer.body.run.stdout).toBe('x\n');
    });

    it('decodes base64 and hex files; the first utf8 file is the program', async () => {
      const helper = Buffer.from('WORD = "from a module"\n');
      const answer = await execute({
        language: 'python',
        version: '3',
        files: [
          { name: 'helper.py', content: helper.toString('base64'), encoding: 'base64' },
          { name: 'main.py', content: 'import helper, data\nprint(helper.WORD, data.N)' },
          { name: 'data.py', content: Buffer.from('N = 7\n').toString('hex'), encoding: 'hex' },
        ],
      });
      expect(answer.body.run).toMatchObject({ stdout: 'from a module 7\n', code: 0 });
    });

    it('interleaves stdout and stderr in `output` as they were written', async () => {
      const code = 'import sys, time\nprint("a", flush=True)\ntime.sleep(0.2)\nprint("b", file=sys.stderr, flush=True)\ntime.sleep(0.2)\nprint("c", flush=True)';
      const { body } = await execute({ language: 'python', version: '*', files: [{ content: code }] });
      expect(body.run).toMatchObject({ stdout: 'a\nc\n', stderr: 'b\n', output: 'a\nb\nc\n' });
    });

    it('run_cpu_time ends a busy program before its wall clock, and says so', async () => {
      const busy = { language: 'c', version: '*', files: [{ content: 'int main(void) { for (;;); }' }], run_timeout: 30000, run_cpu_time: 1000 };
      const { body } = await execute(busy);
      expect(body.run).toMatchObject({ code: null, signal: 'SIGKILL', status: 'TO', message: 'Time limit exceeded' });
      expect(body.run.cpu_time).toBeGreaterThanOrEqual(850); // rusage reads a little under RLIMIT_CPU's clock on a busy machine
      expect(body.run.wall_time).toBeLessThan(30000);
    });

    it('signals and output limits: SG and OL', async () => {
      const segv = await execute({ language: 'c', version: '*', files: [{ content: 'int main(void) { return *(volatile int *)0; }' }] });
      expect(segv.body.run).toMatchObject({ code: null, signal: 'SIGSEGV', status: 'SG', message: 'Caught fatal signal 11' });
      const flood = await execute({ language: 'python', version: '*', files: [{ content: 'print("x" * 200000)' }] });
      expect(flood.body.run).toMatchObject({ signal: 'SIGKILL', status: 'OL', message: 'stdout length exceeded' });
    });

    it('takes JSON sent as text/plain (as piston-client sends it), but never from a web page', async () => {
      const text = JSON.stringify(python());
      const plain = await kiln.http().post('/api/v2/execute').set('content-type', 'text/plain;charset=UTF-8').send(text);
      expect(plain.status).toBe(200);
      const fromPage = await kiln.http().post('/api/v2/execute').set('content-type', 'text/plain').set('origin', 'https://evil.example').send(text);
      expect(fromPage.status).toBe(415);
      const native = await kiln.http().post('/execute').set('content-type', 'text/plain').send(JSON.stringify({ language: 'python', code: 'print(1)' }));
      expect(native.status).toBe(415);
    });
  });
});
