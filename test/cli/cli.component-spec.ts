import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness, startKiln } from '../support/kiln-harness';
import { kilnCli } from '../support/kiln-cli';
import { freePort } from '../support/processes';
import { script, scriptedRuntime } from '../support/scripted-programs';

/**
 * Issue 8, acceptance 3: the `kiln` command-line client, against a worker of
 * scripted programs (test/support/scripted-programs.ts): what it sends, prints
 * and exits with is the client's; what real programs do is the system tier's.
 */
describe('kiln run | languages | job', () => {
  let kiln: Harness;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    kiln = await startKiln({ runtime: scriptedRuntime() });
    await kiln.coordinator!.listen(0, '127.0.0.1');
    url = await kiln.coordinator!.getUrl();
    dir = mkdtempSync(join(tmpdir(), 'kiln-cli-'));
  });

  afterAll(async () => {
    await kiln?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('kiln run hello.py prints the output and exits 0 (language from the extension)', async () => {
    file('hello.py', 'out Hello from a file\n');
    const hello = await kilnCli(['run', 'hello.py', '--url', url], { cwd: dir });
    expect(hello).toMatchObject({ code: 0, stdout: 'Hello from a file\n', stderr: '' });
  });

  it('exits with the program’s exit code (3) and says the verdict on stderr', async () => {
    const three = file('three.py', script('out before', 'exit 3'));
    const run = await kilnCli(['run', three, '--url', url]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('before\n');
    expect(run.stderr).toMatch(/^kiln: RUNTIME_ERROR \(exit code 3\), job [A-Za-z0-9_-]+\n$/);
  });

  it('--json prints the job answer, as GET /jobs/:id gives it', async () => {
    const echo = file('echo.py', 'echo');
    const stdin = file('in.txt', 'shout');
    const run = await kilnCli(['run', echo, '--stdin', stdin, '--json', '--url', url]);
    expect(run.code).toBe(0);
    const job = JSON.parse(run.stdout);
    expect(job).toMatchObject({ state: 'COMPLETED', verdict: 'OK', language: 'python', run: { stdout: 'shout', exitCode: 0 } });
    expect((await kiln.http().get(`/jobs/${job.id}`)).body).toEqual({ ...job, tasks: expect.any(Array) });
  });

  it('streams output live: the first line arrives well before the program ends', async () => {
    // The CLI reads the job's events after its submission is answered, from the start: a CLI
    // process slow to get there (a loaded machine) has the first line late. The pause is twice
    // the bound, so that being late by up to two seconds does not pass for output held back.
    const slow = file('slow.sh', script('out first', 'sleep 4000', 'out second'));
    const run = await kilnCli(['run', slow, '--timeout', '15000', '--url', url]);
    expect(run).toMatchObject({ code: 0, stdout: 'first\nsecond\n' });
    expect(run.stdoutAt.length).toBeGreaterThanOrEqual(2);
    expect(run.endedAt - run.stdoutAt[0]).toBeGreaterThan(2000);
  });

  it('says on stderr that a run starts again after its worker was lost, before its output starts again', async () => {
    // The first attempt prints, then fails as Kiln's failure (BullMQ retries it: coordinator.taskAttempts is 3).
    const lost = file('lost.py', script('out t1', 'out t2', 'sleep 200', 'lose-worker-once', 'out t3'));
    const run = await kilnCli(['run', lost, '--url', url]);
    expect(run).toMatchObject({ code: 0, stdout: 't1\nt2\nt1\nt2\nt3\n' });
    expect(run.stderr).toBe('kiln: the worker running this was lost; the run starts again (attempt 2)\n');
  });

  it('compiles C, takes stdin from - and arguments after --args, keeps compiler output off stdout', async () => {
    const source = file('args.c', script('compile-out a note from the compiler', 'echo', 'out', 'args'));
    const run = await kilnCli(['run', source, '--url', url, '--stdin', '-', '--args', 'a b', '$(id)'], { stdin: 'in' });
    expect(run).toMatchObject({ code: 0, stdout: 'in\na b\n$(id)\n' });
    const broken = file('broken.c', script('compile-out a note from the compiler', 'compile-error main.c:1:11: error: expected declaration specifiers'));
    const failed = await kilnCli(['run', broken, '--url', url]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(/main\.c:1:\d+: error: /);
    expect(failed.stderr).toMatch(/\nkiln: COMPILE_ERROR \(exit code 1\), job \S+\n$/);
  });

  it('--timeout sets the limit; running out of time exits 124 like timeout(1)', async () => {
    const sleepy = file('sleepy.py', 'sleep 10000');
    const run = await kilnCli(['run', sleepy, '--timeout', '500', '--url', url]);
    expect(run.code).toBe(124);
    expect(run.stderr).toMatch(/^kiln: TIMEOUT/);
  });

  it('--lang overrides the extension; an unknown extension asks for --lang', async () => {
    const text = file('script.txt', 'out from bash');
    expect(await kilnCli(['run', text, '--lang', 'bash', '--url', url])).toMatchObject({ code: 0, stdout: 'from bash\n' });
    const run = await kilnCli(['run', text, '--url', url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^kiln: cannot tell the language of .*script\.txt from its extension; pass --lang \(this server has: python, .*\)\n$/);
  });

  it('kiln languages lists the server’s languages; --json gives GET /languages', async () => {
    const table = await kilnCli(['languages', '--url', url]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+VERSION\s+ALIASES$/);
    expect(table.stdout).toMatch(/^python\s+Python\s+3\.\d+\.\d+\s+py, python3$/m);
    const json = await kilnCli(['languages', '--json'], { env: { KILN_URL: url } });
    expect(JSON.parse(json.stdout)).toEqual((await kiln.http().get('/languages')).body);
  });

  it('kiln job <id> prints the job; an unknown id is a one-line 404', async () => {
    const done = await kiln.http().post('/execute').send({ language: 'bash', code: 'out job' });
    const shown = await kilnCli(['job', done.body.id, '--url', url]);
    expect(shown.code).toBe(0);
    // Only the cleanup task may have moved on since /execute answered.
    expect(JSON.parse(shown.stdout)).toEqual({ ...done.body, tasks: expect.any(Array) });
    const unknown = await kilnCli(['job', 'AAAAAAAAAAAAAAAAAAAAAA', '--url', url]);
    expect(unknown.code).toBe(65);
    expect(unknown.stderr).toBe('kiln: 404 no job with id AAAAAAAAAAAAAAAAAAAAAA\n');
  });

  it('an unreachable server is a one-line error and a non-zero exit', async () => {
    const port = await freePort();
    for (const argv of [['run', file('x.py', 'print(1)')], ['languages'], ['job', 'abc']]) {
      const run = await kilnCli([...argv, '--url', `http://127.0.0.1:${port}`]);
      expect(run.code).toBe(69);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`kiln: cannot reach Kiln at http://127.0.0.1:${port}: ECONNREFUSED\n`);
    }
  });

  it('help is asked for with help, --help or -h, also after a command: the usage on stdout, exit 0; an unknown command is named', async () => {
    for (const argv of [['help'], ['--help'], ['-h']]) {
      const help = await kilnCli(argv);
      expect({ argv, code: help.code, stderr: help.stderr }).toEqual({ argv, code: 0, stderr: '' });
      expect(help.stdout).toMatch(/^usage: kiln <standalone\|coordinator\|worker>/);
    }
    const runHelp = await kilnCli(['run', '--help']);
    expect(runHelp).toMatchObject({ code: 0, stderr: '' });
    expect(runHelp.stdout).toMatch(/^usage: kiln run …\n {2}run <file>/);
    // After --args, --help is the program's.
    file('args.py', 'args\n');
    expect(await kilnCli(['run', 'args.py', '--url', url, '--args', '--help'], { cwd: dir })).toMatchObject({ code: 0, stdout: '--help\n' });
    const bogus = await kilnCli(['bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/^kiln: unknown command "bogus"\n\nusage: kiln/);
  });

  it('a bad command line is a one-line usage error (exit 2); a missing file exit 66', async () => {
    expect(await kilnCli(['run', 'x.py', '--bogus'])).toMatchObject({ code: 2, stderr: 'kiln: unknown option --bogus\n' });
    expect(await kilnCli(['run', join(dir, 'absent.py'), '--url', url])).toMatchObject({ code: 66, stderr: `kiln: cannot read ${join(dir, 'absent.py')}: ENOENT\n` });
  });
});

describe('kiln run against a server with API keys', () => {
  const key = 'cli-test-key-0123456789abcdef';
  let kiln: Harness;
  let url: string;

  beforeAll(async () => {
    kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__AUTH__MODE: 'on', KILN_COORDINATOR__AUTH__KEYS: key } });
    await kiln.coordinator!.listen(0, '127.0.0.1');
    url = await kiln.coordinator!.getUrl();
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('sends --key or KILN_KEY; without one the refusal is one line (exit 65)', async () => {
    expect((await kilnCli(['languages', '--url', url, '--key', key])).code).toBe(0);
    expect((await kilnCli(['languages', '--url', url], { env: { KILN_KEY: key } })).code).toBe(0);
    const refused = await kilnCli(['languages', '--url', url]);
    expect(refused).toMatchObject({ code: 65, stderr: 'kiln: 401 an API key is required: send X-Kiln-Key or Authorization: Bearer\n' });
  });
});
