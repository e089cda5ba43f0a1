import http from 'node:http';
import { Harness, startKiln } from '../support/kiln-harness';
import { eventually } from '../support/waiting';

// The C program of Judge0's API documentation ("Create a Submission").
const DOCS_C = '#include <stdio.h>\n\nint main(void) {\n  char name[10];\n  scanf("%s", name);\n  printf("hello, %s\\n", name);\n  return 0;\n}';
// The same program, base64-encoded, exactly as the documentation sends it.
const DOCS_C_BASE64 =
  'I2luY2x1ZGUgPHN0ZGlvLmg+CgppbnQgbWFpbih2b2lkKSB7CiAgY2hhciBuYW1lWzEwXTsKICBzY2FuZigiJXMiLCBuYW1lKTsKICBwcmludGYoImhlbGxvLCAlc1xuIiwgbmFtZSk7CiAgcmV0dXJuIDA7Cn0=';
const C = 50;
const PYTHON = 71;

const DEFAULT_FIELDS = ['compile_output', 'memory', 'message', 'status', 'stderr', 'stdout', 'time', 'token'];
const DECIMAL = expect.stringMatching(/^\d+\.\d+$/);

/**
 * Issue 9, acceptance 2: the request/response examples of Judge0 CE's API
 * documentation (docs/api/submissions/*.md, v1.13) replayed against Kiln's
 * Judge0 endpoints, plus the statuses by signal and Judge0's errors.
 */
describe('Judge0 CE API', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln();
  });

  afterAll(async () => {
    await kiln?.close();
  });

  const post = (path: string, body: object) => kiln.http().post(`/judge0${path}`).send(body);
  const get = (path: string) => kiln.http().get(`/judge0${path}`);

  /** Polls GET /submissions/:token until the submission has left the queue (status > 2), as Judge0 clients do. */
  async function finished(token: string, query = ''): Promise<Record<string, any>> {
    const read = async () => {
      const answer = await get(`/submissions/${token}?fields=*${query}`);
      expect(answer.status).toBe(200);
      return answer.body;
    };
    return eventually(read, (body) => body.status.id > 2, 30_000, `submission ${token} to leave the queue`);
  }

  async function waited(body: object, query = ''): Promise<Record<string, any>> {
    const answer = await post(`/submissions?wait=true${query}`, body);
    expect(answer.status).toBe(201);
    return answer.body;
  }

  it('GET /statuses: Judge0’s 14 statuses', async () => {
    const { status, body } = await get('/statuses');
    expect(status).toBe(200);
    expect(body).toEqual([
      { id: 1, description: 'In Queue' },
      { id: 2, description: 'Processing' },
      { id: 3, description: 'Accepted' },
      { id: 4, description: 'Wrong Answer' },
      { id: 5, description: 'Time Limit Exceeded' },
      { id: 6, description: 'Compilation Error' },
      { id: 7, description: 'Runtime Error (SIGSEGV)' },
      { id: 8, description: 'Runtime Error (SIGXFSZ)' },
      { id: 9, description: 'Runtime Error (SIGFPE)' },
      { id: 10, description: 'Runtime Error (SIGABRT)' },
      { id: 11, description: 'Runtime Error (NZEC)' },
      { id: 12, description: 'Runtime Error (Other)' },
      { id: 13, description: 'Internal Error' },
      { id: 14, description: 'Exec Format Error' },
    ]);
  });

  it('GET /languages: Kiln’s languages under Judge0 CE’s ids', async () => {
    const { body } = await get('/languages');
    expect(body).toEqual(
      expect.arrayContaining([
        { id: 46, name: 'Bash (5.2.15)' },
        { id: 50, name: 'C (GCC 12.2.0)' },
        { id: 54, name: 'C++ (G++ 12.2.0)' },
        { id: 62, name: 'Java (OpenJDK 17.0.19)' },
        { id: 63, name: 'JavaScript (Node.js 18.20.4)' },
        { id: 71, name: 'Python (3.11.2)' },
        { id: 72, name: 'Ruby (3.1.2)' },
      ]),
    );
    expect(body).toHaveLength(14);
    expect((await get('/languages/71')).body).toMatchObject({ id: 71, name: 'Python (3.11.2)', is_archived: false, source_file: 'main.py' });
  });

  describe('the documentation’s examples', () => {
    it('creates a submission (201 {token}); GET answers the 8 default attributes', async () => {
      const created = await post('/submissions', { source_code: DOCS_C, language_id: C, stdin: 'world' });
      expect(created.status).toBe(201);
      expect(Object.keys(created.body)).toEqual(['token']);
      expect(created.body.token).toMatch(/^[A-Za-z0-9_-]{22}$/);
      await finished(created.body.token);
      const { status, body } = await get(`/submissions/${created.body.token}`);
      expect(status).toBe(200);
      expect(Object.keys(body).sort()).toEqual(DEFAULT_FIELDS);
      expect(body).toEqual({
        stdout: 'hello, world\n',
        time: DECIMAL,
        memory: expect.any(Number),
        stderr: null,
        token: created.body.token,
        compile_output: null,
        message: null,
        status: { id: 3, description: 'Accepted' },
      });
      expect(Number.isInteger(body.memory)).toBe(true);
    });

    it('hello world in C with base64_encoded=true, in and out', async () => {
      const created = await post('/submissions?base64_encoded=true', { source_code: DOCS_C_BASE64, language_id: C, stdin: 'SnVkZ2Uw' });
      expect(created.status).toBe(201);
      await finished(created.body.token);
      const { body } = await get(`/submissions/${created.body.token}?base64_encoded=true`);
      expect(body).toMatchObject({ stdout: 'aGVsbG8sIEp1ZGdlMAo=\n', stderr: null, compile_output: null, message: null, status: { id: 3, description: 'Accepted' } });
    });

    it('wait=true with expected_output: the finished submission, Accepted', async () => {
      const body = await waited({ source_code: DOCS_C, language_id: '50', stdin: 'Judge0', expected_output: 'hello, Judge0' });
      expect(body).toEqual({
        stdout: 'hello, Judge0\n',
        time: DECIMAL,
        memory: expect.any(Number),
        stderr: null,
        token: expect.any(String),
        compile_output: null,
        message: null,
        status: { id: 3, description: 'Accepted' },
      });
    });

    it('a wrong answer against expected_output', async () => {
      const body = await waited({ source_code: DOCS_C, language_id: C, stdin: 'Judge0', expected_output: 'hello, Kiln' });
      expect(body).toMatchObject({ stdout: 'hello, Judge0\n', message: null, status: { id: 4, description: 'Wrong Answer' } });
    });

    it('a time limit: cpu_time_limit ends a busy program', async () => {
      // A generous wall clock: the CPU limit must be what ends it, even on a busy machine.
      const body = await waited({ source_code: 'int main(void) { for (;;); }', language_id: C, cpu_time_limit: 1, wall_time_limit: 30 }, '&fields=*');
      expect(body).toMatchObject({ status: { id: 5, description: 'Time Limit Exceeded' }, message: 'Time limit exceeded', cpu_time_limit: '1.0', exit_code: 0 });
      // RLIMIT_CPU fires on the kernel's precise clock while rusage is what is reported: allow a margin below.
      expect(Number(body.time)).toBeGreaterThanOrEqual(0.85);
      expect(Number(body.wall_time)).toBeLessThan(30);
    });

    it('a compile error: compile_output holds the compiler’s message, nothing ran', async () => {
      const body = await waited({ source_code: 'int main(void) { return 0 }', language_id: C }, '&fields=*');
      expect(body).toMatchObject({
        status: { id: 6, description: 'Compilation Error' },
        stdout: null,
        stderr: null,
        time: null,
        wall_time: null,
        memory: null,
        exit_code: null,
        exit_signal: null,
        message: null,
      });
      expect(body.compile_output).toMatch(/main\.c:1:\d+: error: expected .;. before/);
    });

    it('a batch of three (Bash, Python, Ruby), read back with GET /submissions/batch', async () => {
      const created = await post('/submissions/batch', {
        submissions: [
          { language_id: 46, source_code: 'echo hello from Bash' },
          { language_id: 71, source_code: 'print("hello from Python")' },
          { language_id: 72, source_code: 'puts("hello from Ruby")' },
        ],
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual([{ token: expect.any(String) }, { token: expect.any(String) }, { token: expect.any(String) }]);
      const tokens = created.body.map((entry: { token: string }) => entry.token);
      for (const token of tokens) await finished(token);
      const { status, body } = await get(`/submissions/batch?tokens=${tokens.join(',')}&base64_encoded=false&fields=token,stdout,stderr,status_id,language_id`);
      expect(status).toBe(200);
      expect(body).toEqual({
        submissions: [
          { language_id: 46, stdout: 'hello from Bash\n', status_id: 3, stderr: null, token: tokens[0] },
          { language_id: 71, stdout: 'hello from Python\n', status_id: 3, stderr: null, token: tokens[1] },
          { language_id: 72, stdout: 'hello from Ruby\n', status_id: 3, stderr: null, token: tokens[2] },
        ],
      });
    });

    it('fields=*: every attribute', async () => {
      const created = await post('/submissions', { source_code: 'print(input())', language_id: PYTHON, stdin: 'kiln', memory_limit: 128000 });
      const body = await finished(created.body.token);
      expect(Object.keys(body)).toEqual([
        'source_code', 'language_id', 'stdin', 'expected_output', 'stdout', 'status_id', 'created_at', 'finished_at',
        'time', 'memory', 'stderr', 'token', 'number_of_runs', 'cpu_time_limit', 'cpu_extra_time', 'wall_time_limit',
        'memory_limit', 'stack_limit', 'max_processes_and_or_threads', 'enable_per_process_and_thread_time_limit',
        'enable_per_process_and_thread_memory_limit', 'max_file_size', 'compile_output', 'exit_code', 'exit_signal',
        'message', 'wall_time', 'compiler_options', 'command_line_arguments', 'redirect_stderr_to_stdout', 'callback_url',
        'additional_files', 'enable_network', 'started_at', 'queued_at', 'updated_at', 'queue_host', 'execution_host',
        'status', 'language',
      ]);
      expect(body).toMatchObject({
        source_code: 'print(input())',
        language_id: PYTHON,
        stdin: 'kiln',
        expected_output: null,
        stdout: 'kiln\n',
        status_id: 3,
        token: created.body.token,
        number_of_runs: 1,
        // Python's own default time limit (config/languages.yaml: its data stack takes a second to import).
        cpu_time_limit: '10.0',
        wall_time_limit: '10.0',
        memory_limit: 128000,
        max_processes_and_or_threads: 64,
        exit_code: 0,
        exit_signal: null,
        redirect_stderr_to_stdout: false,
        enable_network: false,
        status: { id: 3, description: 'Accepted' },
        language: { id: PYTHON, name: 'Python (3.11.2)' },
      });
      expect(new Date(body.finished_at).getTime()).toBeGreaterThanOrEqual(new Date(body.created_at).getTime());
    });

    it('the limits a submission reads back are accepted when a client sends them again', async () => {
      const first = await finished((await post('/submissions', { source_code: 'print(1)', language_id: PYTHON })).body.token);
      const LIMITS = ['cpu_time_limit', 'cpu_extra_time', 'wall_time_limit', 'memory_limit', 'stack_limit', 'max_processes_and_or_threads', 'max_file_size', 'number_of_runs'];
      const limits = Object.fromEntries(LIMITS.map((name) => [name, first[name]]));
      // The sandbox's own file size limit in KB, above Judge0's 4096 maximum.
      expect(limits.max_file_size).toBeGreaterThan(4096);
      const again = await post('/submissions', { source_code: 'print(2)', language_id: PYTHON, ...limits });
      expect(again.body).toEqual({ token: expect.any(String) });
      expect(again.status).toBe(201);
    });

    it('422 with errors by attribute, as the documentation shows', async () => {
      const missing = await post('/submissions', { source_code: DOCS_C });
      expect(missing.status).toBe(422);
      expect(missing.body).toEqual({ language_id: ["can't be blank"] });
      const unknown = await post('/submissions', { source_code: DOCS_C, language_id: 150000, stdin: 'world', expected_output: 'hello, world' });
      expect(unknown.body).toEqual({ language_id: ["language with id 150000 doesn't exist"] });
      const tooLong = await post('/submissions', { source_code: DOCS_C, language_id: C, number_of_runs: 1, cpu_time_limit: 1, cpu_extra_time: 0.5, wall_time_limit: 100000, memory_limit: 128000, stack_limit: 128000, max_file_size: 1024 });
      expect(tooLong.status).toBe(422);
      expect(tooLong.body).toEqual({ wall_time_limit: ['must be less than or equal to 30'] });
      const several = await post('/submissions', { language_id: 'C', memory_limit: 'lots', enable_network: true, number_of_runs: 0 });
      expect(several.body).toEqual({
        source_code: ["can't be blank"],
        language_id: ["can't be blank"],
        memory_limit: ['is not a number'],
        number_of_runs: ['must be greater than 0'],
        enable_network: ['enabling network is not allowed'],
      });
    });
  });

  describe('statuses and attributes', () => {
    it('runtime errors by signal: SIGSEGV 7, SIGXFSZ 8, SIGFPE 9, SIGABRT 10, other 12; NZEC 11 by exit code', async () => {
      const program = (body: string) => `#include <signal.h>\n#include <stdlib.h>\nint main(void) { ${body} return 0; }`;
      const created = await post('/submissions/batch', {
        submissions: [
          { language_id: C, source_code: program('return *(volatile int *)0;') },
          { language_id: C, source_code: program('raise(SIGXFSZ);') },
          { language_id: C, source_code: program('raise(SIGFPE);') },
          { language_id: C, source_code: program('abort();') },
          { language_id: C, source_code: program('raise(SIGUSR1);') },
          { language_id: PYTHON, source_code: 'import sys\nsys.exit(3)' },
        ],
      });
      const results = [];
      for (const { token } of created.body) results.push(await finished(token));
      expect(results.map(({ status, exit_signal, exit_code, message }) => ({ status: status.id, exit_signal, exit_code, message }))).toEqual([
        { status: 7, exit_signal: 11, exit_code: 0, message: 'Caught fatal signal 11' },
        { status: 8, exit_signal: 25, exit_code: 0, message: 'Caught fatal signal 25' },
        { status: 9, exit_signal: 8, exit_code: 0, message: 'Caught fatal signal 8' },
        { status: 10, exit_signal: 6, exit_code: 0, message: 'Caught fatal signal 6' },
        { status: 12, exit_signal: 10, exit_code: 0, message: 'Caught fatal signal 10' },
        { status: 11, exit_signal: null, exit_code: 3, message: 'Exited with error status 3' },
      ]);
    });

    it('number_of_runs runs the program that many times (time and memory averaged)', async () => {
      const body = await waited({ source_code: 'print(input())', language_id: PYTHON, stdin: 'x', expected_output: 'x', number_of_runs: 3 }, '&fields=*');
      expect(body).toMatchObject({ status: { id: 3 }, stdout: 'x\n', number_of_runs: 3, time: DECIMAL });
    });

    it('redirect_stderr_to_stdout, command_line_arguments and compiler_options', async () => {
      const python = 'import sys, time\nprint(sys.argv[1:], flush=True)\ntime.sleep(0.2)\nprint("oops", file=sys.stderr)';
      const redirected = await waited({ source_code: python, language_id: PYTHON, command_line_arguments: `a 'b c' $(id)`, redirect_stderr_to_stdout: true });
      expect(redirected).toMatchObject({ stdout: "['a', 'b c', '(id)']\noops\n", stderr: null, status: { id: 3 } });
      const c = '#include <stdio.h>\nint main(void) { printf("%d\\n", VALUE); return 0; }';
      const compiled = await waited({ source_code: c, language_id: C, compiler_options: '-DVALUE=42 -O0' });
      expect(compiled).toMatchObject({ stdout: '42\n', status: { id: 3 } });
      const refused = await post('/submissions', { source_code: 'print(1)', language_id: PYTHON, compiler_options: '-O' });
      expect(refused.body).toEqual({ compiler_options: ['setting compiler options is only allowed for compiled languages'] });
    });

    it('output that is not UTF-8: 400 (201 with the token for wait=true) unless base64_encoded=true', async () => {
      const body = { language_id: PYTHON, source_code: 'import sys\nsys.stdout.buffer.write(b"\\xfe")' };
      const waitedAnswer = await post('/submissions?wait=true', body);
      expect(waitedAnswer.status).toBe(201);
      expect(waitedAnswer.body).toEqual({
        token: expect.any(String),
        error: 'some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter',
      });
      const plain = await get(`/submissions/${waitedAnswer.body.token}`);
      expect(plain.status).toBe(400);
      expect(plain.body).toEqual({ error: 'some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter' });
      const encoded = await get(`/submissions/${waitedAnswer.body.token}?base64_encoded=true`);
      expect(encoded.body.stdout).toBe('/g==\n');
    });

    it('unknown tokens, fields and batch sizes', async () => {
      expect((await get('/submissions/no-such-token')).status).toBe(404);
      const native = await kiln.http().post('/jobs').send({ language: 'python', code: 'print(1)' });
      expect((await get(`/submissions/${native.body.id}`)).status).toBe(404);
      const batch = await get(`/submissions/batch?tokens=no-such-token,${native.body.id}`);
      expect(batch.body).toEqual({ submissions: [null, null] });
      expect((await get('/submissions/x?fields=stdout,nope,other')).body).toEqual({ error: 'invalid fields: [nope, other]' });
      expect((await post('/submissions/batch', { submissions: [] })).body).toEqual({ error: 'there should be at least one submission in a batch' });
      const tooMany = Array.from({ length: 21 }, () => ({ language_id: PYTHON, source_code: 'pass' }));
      expect((await post('/submissions/batch', { submissions: tooMany })).body).toEqual({
        error: 'number of submissions in a batch should be less than or equal to 20',
      });
      const invalidBatch = await post('/submissions/batch', { submissions: [{ language_id: 150000, source_code: 'x' }] });
      expect(invalidBatch.status).toBe(422);
      expect(invalidBatch.body).toEqual([{ language_id: ["language with id 150000 doesn't exist"] }]);
    });

    it('callback_url becomes the job’s webhook (refused here: this server has no webhook secret)', async () => {
      const answer = await post('/submissions', { language_id: PYTHON, source_code: 'pass', callback_url: 'https://hooks.kiln.test/hook' });
      expect(answer.status).toBe(422);
      expect(answer.body).toEqual({ callback_url: ['webhooks are off on this server (no coordinator.webhooks.secret)'] });
    });
  });
});

describe('Judge0 CE API: keys and a full queue', () => {
  const KEY = 'judge0-key-0123456789abcdef';
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({
      env: {
        KILN_COORDINATOR__AUTH__MODE: 'on',
        KILN_COORDINATOR__AUTH__KEYS: KEY,
        KILN_COORDINATOR__MAX_QUEUED_TASKS: '1',
        KILN_WORKER__CONCURRENCY: '1',
      },
    });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('takes the API key as X-Auth-Token (Judge0’s header) besides Kiln’s own', async () => {
    expect((await kiln.http().get('/judge0/statuses')).status).toBe(401);
    expect((await kiln.http().get('/judge0/statuses').set('X-Auth-Token', 'not-a-key')).status).toBe(401);
    expect((await kiln.http().get('/judge0/statuses').set('X-Auth-Token', KEY)).status).toBe(200);
    expect((await kiln.http().get('/judge0/statuses').set('X-Kiln-Key', KEY)).status).toBe(200);
    expect((await kiln.http().get('/languages').set('X-Auth-Token', KEY)).status).toBe(401);
    expect((await kiln.http().get('/api/v2/runtimes')).status).toBe(401);
    expect((await kiln.http().get('/api/v2/runtimes').set('Authorization', `Bearer ${KEY}`)).status).toBe(200);
  });

  it('503 {"error": "queue is full"} when the queue is full', async () => {
    const submit = (source_code: string) => kiln.http().post('/judge0/submissions').set('X-Auth-Token', KEY).send({ language_id: 46, source_code });
    const busy = await submit('sleep 20');
    await eventually(async () => (await kiln.http().get(`/jobs/${busy.body.token}`).set('X-Kiln-Key', KEY)).body.state, (state) => state === 'RUNNING', 15_000);
    const waiting = await submit('echo waiting');
    expect(waiting.status).toBe(201);
    const refused = await submit('echo refused');
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: 'queue is full' });
    for (const token of [busy.body.token, waiting.body.token]) await kiln.http().put(`/jobs/${token}/cancel`).set('X-Kiln-Key', KEY);
  });
});

describe('Judge0 CE API: callback_url', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ env: { KILN_COORDINATOR__WEBHOOKS__SECRET: 'judge0-callback-secret', KILN_COORDINATOR__WEBHOOKS__ALLOW_PRIVATE: 'true' } });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('PUTs the finished submission to callback_url as Judge0 does: default attributes, base64-encoded', async () => {
    const received: { method?: string; body: string }[] = [];
    const server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ method: request.method, body });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/judge0-callback`;
      const created = await kiln.http().post('/judge0/submissions').send({ language_id: PYTHON, source_code: 'print("hi")', callback_url: url });
      expect(created.status).toBe(201);
      await eventually(async () => received.length, (count) => count === 1);
      expect(received[0].method).toBe('PUT');
      expect(JSON.parse(received[0].body)).toEqual({
        token: created.body.token,
        time: DECIMAL,
        memory: expect.any(Number),
        stdout: 'aGkK\n',
        stderr: null,
        compile_output: null,
        message: null,
        status: { id: 3, description: 'Accepted' },
      });
    } finally {
      server.close();
    }
  });
});
