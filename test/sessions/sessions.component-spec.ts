import { NodeRepository, SessionChannelRepository, SessionRepository } from '@kiln/store';
import { NodeBeat, SessionMeta } from '@kiln/tasks';
import { ApiKeys } from '../../apps/coordinator/src/auth/api-keys';
import { ScriptedSandboxRuntime } from '../../apps/worker/src/sandbox/scripted/scripted-sandbox.runtime';
import { Harness, startKiln } from '../support/kiln-harness';
import { script } from '../support/scripted-programs';
import { sessionClient } from '../support/session-client';
import { scriptedSessionRuntime } from '../support/scripted-sessions';
import { readSse } from '../support/sse-client';
import { eventually } from '../support/waiting';

/**
 * Issue 16, sessions: the API's logic, with a worker whose sandboxes are
 * scripted (test/support/scripted-sessions.ts) on a real Redis: requests
 * checked, routed to the worker that holds the session, keys and limits,
 * expiry, a worker that does not answer. What the real sandbox does
 * (contexts, files byte for byte, attacks, a SIGKILLed worker) is the system
 * tier's: test/sessions/sessions.e2e-spec.ts and its neighbours.
 */
const KEY_A = 'session-key-a-0123456789';
const KEY_B = 'session-key-b-0123456789';
const WORKER_TIMEOUT_MS = 1500;

describe('sessions: the API (scripted sandboxes, real Redis)', () => {
  let kiln: Harness;
  let runtime: ScriptedSandboxRuntime;

  let base: string;

  beforeAll(async () => {
    runtime = scriptedSessionRuntime();
    kiln = await startKiln({
      runtime,
      env: {
        KILN_COORDINATOR__AUTH__MODE: 'on',
        KILN_COORDINATOR__AUTH__KEYS: `${KEY_A},${KEY_B}`,
        KILN_COORDINATOR__SESSIONS__MAX_PER_KEY: '2',
        KILN_COORDINATOR__SESSIONS__WORKER_TIMEOUT_MS: String(WORKER_TIMEOUT_MS),
        KILN_WORKER__SESSIONS__MAX: '3',
        KILN_COORDINATOR__SESSIONS__MAX_FILE_BYTES: '4096',
      },
    });
    await kiln.coordinator!.listen(0, '127.0.0.1');
    base = await kiln.coordinator!.getUrl();
  });

  afterAll(async () => {
    await kiln?.close();
  });

  const as = (key: string) => sessionClient(() => kiln, key);
  const a = as(KEY_A);
  const b = as(KEY_B);
  const opened: string[] = [];
  const open = async (key = KEY_A, body: object = { language: 'python' }) => {
    const made = await as(key).create(body);
    expect(made.status).toBe(201);
    opened.push(made.body.id);
    return made.body.id as string;
  };

  afterEach(async () => {
    for (const id of opened.splice(0)) for (const key of [KEY_A, KEY_B]) await as(key).delete(`/sessions/${id}`);
  });

  it('makes a session: 201 with its id, language, state and expiry, its sandbox leased for it alone', async () => {
    const before = Date.now();
    const made = await a.create({ language: 'py', idleTimeoutMs: 60_000, limits: { memoryMb: 128, timeoutMs: 2000 } });
    expect(made.status).toBe(201);
    opened.push(made.body.id);
    expect(made.body).toMatchObject({ language: 'python', state: 'ready', idleTimeoutMs: 60_000, limits: { memoryMb: 128, timeoutMs: 2000 } });
    expect(made.body.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const expiresAt = Date.parse(made.body.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(expiresAt).toBeLessThan(Date.now() + 61_000);
    const [sandbox] = runtime.sandboxesOf(made.body.id);
    expect(sandbox).toMatchObject({ owner: { id: made.body.id, part: 'session' }, image: 'kiln/python:latest', state: 'leased', limits: { memoryMb: 128 } });
    expect((await a.get(`/sessions/${made.body.id}`)).body).toMatchObject({ id: made.body.id, state: 'ready' });
  });

  it.each([
    ['an unknown language', { language: 'cobol' }, 'language'],
    ['limits above the maxima', { language: 'python', limits: { memoryMb: 1_000_000 } }, 'limits.memoryMb'],
    ['a job-only limit', { language: 'python', limits: { jobOutputBytes: 2048 } }, 'limits.jobOutputBytes'],
    ['an idle timeout past its maximum', { language: 'python', idleTimeoutMs: 999_999_999 }, 'idleTimeoutMs'],
    ['a file that escapes the workspace', { language: 'python', files: [{ name: '../x', content: '' }] }, 'files[0].name'],
    ['an unknown field', { language: 'python', network: true }, 'network'],
  ])('refuses a session with %s: 400 naming the field', async (_case, body, field) => {
    const answer = await a.create(body);
    expect(answer.status).toBe(400);
    expect(answer.body.details.map((detail: { field: string }) => detail.field)).toContain(field);
  });

  it('refuses a bad run or path with 400 naming the field', async () => {
    const python = await open();
    const bash = await open(KEY_A, { language: 'bash' });
    const cases: [string, object, string][] = [
      [python, {}, 'code'],
      [python, { code: 'x', command: ['ls'] }, 'command'],
      [python, { command: [] }, 'command'],
      [python, { command: ['ls'], args: ['-l'] }, 'args'],
      [python, { code: 'x', context: 'bad name!' }, 'context'],
      [python, { code: 'x', context: 'main', stdin: 'hi' }, 'stdin'],
      [python, { command: ['ls'], context: 'main' }, 'context'],
      [bash, { code: 'x', context: 'main' }, 'context'],
      [python, { code: 'x', timeoutMs: 10_000_000 }, 'timeoutMs'],
      [python, { code: 'x', stdin: '***', stdinEncoding: 'base64' }, 'stdin'],
    ];
    for (const [id, body, field] of cases) {
      const answer = await a.post(`/sessions/${id}/run`, body);
      expect({ body, status: answer.status, fields: answer.body.details?.map((d: { field: string }) => d.field) }).toEqual({
        body,
        status: 400,
        fields: expect.arrayContaining([field]),
      });
    }
    for (const path of ['-rf', 'a/../../etc', '.x/..', 'a//b']) {
      const answer = await a.put(`/sessions/${python}/files/${path}`, Buffer.from('x'));
      expect({ path, status: answer.status }).toEqual({ path, status: 400 });
      expect(answer.body.details[0].field).toBe('path');
    }
    expect((await a.get(`/sessions/${python}/files?path=../..`)).status).toBe(400);
  });

  it('runs code (the language’s program) and commands in one workspace: a file of one run is there for the next', async () => {
    const id = await open(KEY_A, { language: 'python', files: [{ name: 'notes.txt', content: 'hi' }] });
    const run = await a.post(`/sessions/${id}/run`, { code: script('out hello', 'args', 'echo'), args: ['one'], stdin: 'in' });
    expect(run.status).toBe(200);
    expect(run.body).toEqual({
      stdout: 'hello\none\nin',
      stderr: '',
      exitCode: 0,
      signal: null,
      verdict: 'OK',
      wallTimeMs: expect.any(Number),
      cpuTimeMs: expect.any(Number),
      memoryBytes: expect.any(Number),
      truncated: false,
    });
    const listed = await a.post(`/sessions/${id}/run`, { command: ['ls'] });
    expect(listed.body).toMatchObject({ stdout: 'main.py\nnotes.txt\n', verdict: 'OK' });
    const failing = await a.post(`/sessions/${id}/run`, { code: script('err broken', 'exit 3') });
    expect(failing.body).toMatchObject({ stderr: 'broken\n', exitCode: 3, verdict: 'RUNTIME_ERROR' });
    const slow = await a.post(`/sessions/${id}/run`, { code: script('sleep 5000'), timeoutMs: 300 });
    expect(slow.body).toMatchObject({ verdict: 'TIMEOUT' });
    // The session goes on after a run that hit a limit.
    expect((await a.post(`/sessions/${id}/run`, { command: ['ls'] })).body.verdict).toBe('OK');
  });

  it('compiles first for a compiled language; a compile error is COMPILE_ERROR with nothing run', async () => {
    const id = await open(KEY_A, { language: 'c' });
    const ok = await a.post(`/sessions/${id}/run`, { code: script('compile-out compiling', 'out ran') });
    expect(ok.body).toMatchObject({ stdout: 'ran\n', verdict: 'OK', compile: { stdout: 'compiling\n', verdict: 'OK' } });
    const broken = await a.post(`/sessions/${id}/run`, { code: script('compile-error no main') });
    expect(broken.body).toMatchObject({ verdict: 'COMPILE_ERROR', stderr: 'no main\n', compile: { verdict: 'COMPILE_ERROR' } });
  });

  it('uploads, downloads (with its content type), lists and deletes files; a missing one is 404', async () => {
    const id = await open();
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255, 10]);
    expect((await a.put(`/sessions/${id}/files/data/blob.bin`, bytes)).body).toEqual({ path: 'data/blob.bin', size: 7 });
    await a.put(`/sessions/${id}/files/data/table.csv`, Buffer.from('a,b\n'));
    const blob = await a.download(`/sessions/${id}/files/data/blob.bin`);
    expect(blob.status).toBe(200);
    expect(Buffer.compare(blob.body, bytes)).toBe(0);
    expect(blob.headers['content-type']).toBe('application/octet-stream');
    expect(blob.headers['content-disposition']).toBe('attachment; filename="blob.bin"');
    const table = await a.get(`/sessions/${id}/files/data/table.csv`);
    expect(table.headers['content-type']).toMatch(/^text\/csv/);
    const root = await a.get(`/sessions/${id}/files`);
    expect(root.body).toMatchObject({ path: '', truncated: false, entries: [{ name: 'data', path: 'data', type: 'directory' }] });
    const data = await a.get(`/sessions/${id}/files?path=data`);
    expect(data.body.entries.map((e: { name: string; size: number; type: string }) => [e.name, e.size, e.type])).toEqual([
      ['blob.bin', 7, 'file'],
      ['table.csv', 4, 'file'],
    ]);
    expect(Date.parse(data.body.entries[0].modified)).toBeGreaterThan(Date.now() - 60_000);
    expect((await a.delete(`/sessions/${id}/files/data/blob.bin`)).status).toBe(204);
    expect((await a.get(`/sessions/${id}/files/data/blob.bin`)).status).toBe(404);
    expect((await a.delete(`/sessions/${id}/files/nothing`)).status).toBe(404);
    expect((await a.get(`/sessions/${id}/files?path=nowhere`)).status).toBe(404);
    // An upload past coordinator.sessions.maxFileBytes is refused before it is read whole.
    const big = await a.put(`/sessions/${id}/files/big.bin`, Buffer.alloc(4097));
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: 'upload too large: at most 4096 bytes (coordinator.sessions.maxFileBytes)', details: [{ field: 'body' }] });
    expect((await a.put(`/sessions/${id}/files/empty.txt`, Buffer.alloc(0))).body).toEqual({ path: 'empty.txt', size: 0 });
  });

  it('streams a run as Server-Sent Events: output as it comes, then the answer', async () => {
    const id = await open();
    const { status, events } = await readSse(`${base}/sessions/${id}/run`, { 'x-kiln-key': KEY_A }, { code: script('out first', 'sleep 1000', 'out second') });
    expect(status).toBe(200);
    const outputs = events.filter((event) => event.event === 'output').map((event) => event.data);
    expect(outputs.map((o) => o.text).join('')).toBe('first\nsecond\n');
    expect(outputs[0]).toMatchObject({ stage: 'run', stream: 'stdout' });
    const end = events.find((event) => event.event === 'end');
    expect(end!.data).toMatchObject({ stdout: 'first\nsecond\n', verdict: 'OK' });
    // The first piece came before the program's pause, not with the answer. The pause is long
    // beside the bound, so a loaded machine that delays the first piece (a 25 ms coalescing
    // timer, a stalled event loop) by up to half a second still shows it.
    expect(end!.at - events.find((event) => event.event === 'output')!.at).toBeGreaterThanOrEqual(500);
  });

  it("answers another key's session as 404, word for word like a missing one", async () => {
    const id = await open(KEY_A);
    const missing = await b.get('/sessions/AAAAAAAAAAAAAAAAAAAAAA');
    for (const request of [
      b.get(`/sessions/${id}`),
      b.post(`/sessions/${id}/run`, { command: ['ls'] }),
      b.get(`/sessions/${id}/files`),
      b.get(`/sessions/${id}/files/main.py`),
      b.put(`/sessions/${id}/files/x`, Buffer.from('x')),
      b.delete(`/sessions/${id}`),
    ]) {
      const answer = await request;
      expect(answer.status).toBe(404);
      expect(answer.body.error).toBe(missing.body.error.replace('AAAAAAAAAAAAAAAAAAAAAA', id));
    }
    expect((await a.get(`/sessions/${id}`)).status).toBe(200);
  });

  it('holds at most coordinator.sessions.maxPerKey sessions of one key (429), and worker.sessions.max of one worker (503)', async () => {
    await open(KEY_A);
    const second = await open(KEY_A);
    const third = await a.create({ language: 'python' });
    expect(third.status).toBe(429);
    expect(third.body.error).toMatch(/coordinator\.sessions\.maxPerKey allows 2/);
    // The worker holds 2 of its 3: key B gets the last one, then no worker has room.
    await open(KEY_B);
    const full = await b.create({ language: 'python' });
    expect(full.status).toBe(503);
    expect(full.body.error).toMatch(/worker\.sessions\.max/);
    // A closed session gives its slot back at once: coordinators place sessions by the worker's
    // last heartbeat, and one counting the closed session must not outlast the DELETE.
    const workerId = kiln.loaded.config.worker.id;
    const heldByBeat = async () => (await kiln.coordinator!.get(NodeRepository).beats()).find((node) => node.id === workerId)?.sessions?.held;
    await eventually(heldByBeat, (held) => held === 3, 10_000, 'a heartbeat counting the three sessions');
    expect((await a.delete(`/sessions/${second}`)).status).toBe(204);
    await open(KEY_B);
  });

  it('expires an idle session: its sandbox is removed, GET says why, later calls are 410', async () => {
    const id = await open(KEY_A, { language: 'python', idleTimeoutMs: 1000 });
    const [sandbox] = runtime.sandboxesOf(id);
    await a.post(`/sessions/${id}/run`, { command: ['ls'] });
    await eventually(async () => sandbox.state, (state) => state === 'removed', 10_000, 'the idle session’s sandbox removed');
    const view = await a.get(`/sessions/${id}`);
    expect(view.body).toMatchObject({ state: 'expired', endReason: 'it was idle for 1000 ms (idleTimeoutMs)' });
    const later = await a.post(`/sessions/${id}/run`, { command: ['ls'] });
    expect(later.status).toBe(410);
    expect(later.body.error).toMatch(/has ended \(expired\): it was idle/);
    expect((await a.get(`/sessions/${id}/files`)).status).toBe(410);
  });

  it('DELETE removes the sandbox at once; later calls are 410', async () => {
    const id = await open();
    const [sandbox] = runtime.sandboxesOf(id);
    expect((await a.delete(`/sessions/${id}`)).status).toBe(204);
    expect(sandbox.state).toBe('removed');
    expect((await a.post(`/sessions/${id}/run`, { command: ['ls'] })).status).toBe(410);
    expect((await a.delete(`/sessions/${id}`)).status).toBe(410);
  });

  describe('a session whose worker does not answer', () => {
    const beat = (id: string, instance: string, at: number): NodeBeat => ({
      id,
      instance,
      role: 'worker',
      hostname: 'nowhere.invalid',
      pid: 1,
      version: 'test',
      startedAt: at,
      queues: ['default'],
      concurrency: 1,
      running: 0,
      sessions: { held: 1, max: 1 },
      cpu: { load1: 0, cores: 1 },
      memory: { rssBytes: 0, hostFreeBytes: 0, hostTotalBytes: 0 },
      docker: { ok: true },
      accepting: true,
      at,
    });

    /** A ready session on a worker that this test plays: it beats (or not), and listens (or not). */
    const sessionOn = async (workerId: string, instance: string): Promise<string> => {
      const store = kiln.coordinator!.get(SessionRepository);
      const now = Date.now();
      const meta: SessionMeta = {
        id: `${workerId}-session`.padEnd(22, 'x'),
        owner: kiln.coordinator!.get(ApiKeys).identify(KEY_B),
        language: 'python',
        limits: { timeoutMs: 1000, memoryMb: 64, cpus: 1, processes: 16, outputBytes: 4096, compileTimeoutMs: 5000 },
        idleTimeoutMs: 60_000,
        createdAt: now,
        deadline: now + 600_000,
        workerId,
        workerInstance: instance,
      };
      await kiln.coordinator!.get(NodeRepository).write(beat(workerId, instance, now));
      await store.create(meta, 2, 60_000);
      await store.markReady(meta.id, instance, 64);
      return meta.id;
    };

    it('is a 503 within coordinator.sessions.workerTimeoutMs while its worker beats, and a 410 once it is gone; its key slot is given back', async () => {
      const id = await sessionOn('silent-worker', 'silent-instance');
      // It listens for its sessions' commands but never answers them.
      const stop = await kiln.coordinator!.get(SessionChannelRepository).onCommands('silent-instance', () => undefined);
      try {
        const started = Date.now();
        const silent = await b.post(`/sessions/${id}/run`, { command: ['ls'] });
        expect(silent.status).toBe(503);
        expect(silent.body.error).toMatch(/is not answering \(worker silent-worker did not answer within 1500 ms/);
        expect(Date.now() - started).toBeLessThan(WORKER_TIMEOUT_MS + 2000);
      } finally {
        await stop();
      }
      // Nobody listens any more: known at once, without waiting out the worker's timeout.
      const started = Date.now();
      const deaf = await b.post(`/sessions/${id}/run`, { command: ['ls'] });
      expect(deaf.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(WORKER_TIMEOUT_MS);
      // Its heartbeat goes stale (nodes.timeoutMs): the session is over, and said so.
      await kiln.coordinator!.get(NodeRepository).write(beat('silent-worker', 'silent-instance', Date.now() - 60_000));
      const gone = await b.post(`/sessions/${id}/run`, { command: ['ls'] });
      expect(gone.status).toBe(410);
      expect(gone.body.error).toMatch(/has ended \(lost\): its worker silent-worker is gone/);
      // Key B's slot came back: with one session open it may open one more (maxPerKey 2).
      await open(KEY_B);
      await open(KEY_B);
    });

    it('is ended by the sweeper once its worker is gone, without any request', async () => {
      const id = await sessionOn('dead-worker', 'dead-instance');
      await kiln.coordinator!.get(NodeRepository).write(beat('dead-worker', 'dead-instance', Date.now() - 60_000));
      const view = await eventually(async () => (await b.get(`/sessions/${id}`)).body, (body) => body.state === 'lost', 10_000, 'the sweeper ends it');
      expect(view.endReason).toBe('its worker dead-worker is gone');
    });
  });
});

describe('sessions: switched off', () => {
  let kiln: Harness;

  beforeAll(async () => {
    kiln = await startKiln({ worker: false, env: { KILN_COORDINATOR__API__ENDPOINTS__SESSIONS: 'false' } });
  });

  afterAll(async () => {
    await kiln?.close();
  });

  it('answers 404 as if the endpoints did not exist', async () => {
    expect((await kiln.http().post('/sessions').send({ language: 'python' })).status).toBe(404);
    expect((await kiln.http().get('/sessions/anything/files')).status).toBe(404);
  });
});
