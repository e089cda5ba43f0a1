import { randomBytes } from 'node:crypto';
import { AttackHost, prepareAttackHost } from '../support/attack-host';
import { Harness, startKiln } from '../support/kiln-harness';
import { containersOfJob } from '../support/sandboxes';
import { SANDBOX_MODES, modeEnv } from '../support/sandbox-modes';
import { sessionClient } from '../support/session-client';
import { eventually } from '../support/waiting';
import { Attack, AttackContext, HOSTILE_CODE, JobAnswer } from '../security/attacks';

/**
 * Issue 16, acceptance 6: every attack of the hostile catalogue
 * (test/security/attacks.ts), run inside a session, is contained, as it is in
 * a job; a session's own ways in (its stateful contexts, the files API)
 * give nothing more; and two sessions of different keys cannot see each
 * other. Runs in every sandbox mode.
 */
const KEY_A = 'attack-session-key-a-0123456789';
const KEY_B = 'attack-session-key-b-0123456789';

/** A session run's answer as a job's, for the catalogue's checks: a failed compile ran nothing. */
function asJobAnswer(result: Record<string, unknown> & { verdict: string; compile?: { verdict: string } }): JobAnswer {
  const compile = (result.compile ?? null) as JobAnswer['compile'];
  const ran = !result.compile || result.compile.verdict === 'OK';
  return { state: 'COMPLETED', verdict: result.verdict, compile, run: ran ? (result as unknown as JobAnswer['run']) : null };
}

describe.each(SANDBOX_MODES)('hostile code in a session (sandbox mode %s)', (mode) => {
  let kiln: Harness;
  let host: AttackHost;
  let context: AttackContext;
  const a = sessionClient(() => kiln, KEY_A);
  const b = sessionClient(() => kiln, KEY_B);

  beforeAll(async () => {
    host = await prepareAttackHost('session-attacks');
    context = host.context;
    kiln = await startKiln({
      env: {
        ...modeEnv(mode),
        KILN_COORDINATOR__AUTH__MODE: 'on',
        KILN_COORDINATOR__AUTH__KEYS: `${KEY_A},${KEY_B}`,
        KILN_WORKER__SESSIONS__MAX: '4',
      },
    });
  });

  afterAll(async () => {
    await kiln?.close();
    await host?.close();
  });

  /** A session of the attack's language and limits, for `use`; closed after. */
  const inSession = async <T>(body: object, use: (id: string) => Promise<T>, client = a): Promise<T> => {
    const made = await client.create(body);
    expect(made.status).toBe(201);
    try {
      return await use(made.body.id);
    } finally {
      await client.delete(`/sessions/${made.body.id}`);
    }
  };
  const run = async (id: string, body: object, client = a) => {
    const answer = await client.post(`/sessions/${id}/run`, body);
    expect(answer.status).toBe(200);
    return answer.body;
  };

  it.each(HOSTILE_CODE.map((attack) => [attack.name, attack]))('%s: fails inside a session, and the session goes on', async (_name, attack) => {
    const { language, code, limits } = (attack as Attack).request(context) as { language: string; code: string; limits?: object };
    await inSession({ language, ...(limits ? { limits } : {}) }, async (id) => {
      (attack as Attack).check(asJobAnswer(await run(id, { code })), context);
      // Whatever the attack did, the session still serves (or, its sandbox killed, says it ended).
      const after = await a.post(`/sessions/${id}/run`, { command: ['true'] });
      expect([200, 410]).toContain(after.status);
      if (after.status === 200) expect(after.body.verdict).toBe('OK');
    });
  });

  it('a context gets no more than a run: output that looks like the driver’s trailer is output, and the result is the code’s own', async () => {
    await inSession({ language: 'python' }, async (id) => {
      const forged = await run(id, {
        context: 'main',
        code: 'import sys\nsys.stdout.write("\\0kiln-context:guess\\0" + \'{"result": "forged"}\')\nsys.stdout.flush()\n"real"',
      });
      expect(forged).toMatchObject({ result: "'real'", verdict: 'OK' });
      expect(forged.stdout).toContain('{"result": "forged"}');
      // The context's interpreter is the sandbox user, with the sandbox's rules.
      const who = await run(id, { context: 'main', code: 'import os\nopen("/proc/self/status").read().count("CapEff:\\t0000000000000000"), os.getuid()' });
      expect(who.result).toBe('(1, 61000)');
    });
  });

  it('a memory bomb or a fork bomb in a context is stopped, the context restarted, the session goes on', async () => {
    await inSession({ language: 'python', limits: { memoryMb: 128, processes: 32 } }, async (id) => {
      const memory = await run(id, { context: 'main', code: 'chunks = []\nwhile True: chunks.append(bytearray(16 << 20))', timeoutMs: 10_000 });
      expect(memory).toMatchObject({ context: { restarted: true } });
      expect(['MEMORY_LIMIT', 'RUNTIME_ERROR']).toContain(memory.verdict);
      const forks = await run(id, { context: 'main', code: 'import os\nwhile True:\n    try: os.fork()\n    except OSError: pass', timeoutMs: 2000 });
      expect(forks).toMatchObject({ verdict: 'TIMEOUT', context: { restarted: true } });
      expect(await run(id, { context: 'main', code: '6 * 7' })).toMatchObject({ result: '42', verdict: 'OK' });
    });
  });

  it('a process a context starts lives as long as the context, none that leaves it; DELETE leaves nothing running', async () => {
    const made = await a.create({ language: 'python' });
    const id = made.body.id;
    const start = 'import subprocess\nsubprocess.Popen(["sleep", "31338"])\nsubprocess.Popen(["sleep", "31340"], start_new_session=True)\n1';
    expect(await run(id, { context: 'main', code: start })).toMatchObject({ verdict: 'OK', context: { restarted: false } });
    const ps = await run(id, { command: ['sh', '-c', 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; done'] });
    expect(ps.stdout).toContain('sleep 31338');
    // One that left the context's session (setsid) is no context's: it died with the run.
    expect(ps.stdout).not.toContain('sleep 31340');
    expect((await a.delete(`/sessions/${id}`)).status).toBe(204);
    await eventually(() => containersOfJob(id), (list) => list.length === 0, 10_000, 'the session’s container gone');
  });

  it('the files API follows no link a program planted: a link to /etc/passwd is listed as a link, never read through', async () => {
    await inSession({ language: 'bash' }, async (id) => {
      await run(id, { command: ['sh', '-c', 'ln -s /etc/passwd passwd; mkdir real; ln -s /etc dir; echo inside > real/file'] });
      expect((await a.get(`/sessions/${id}/files/passwd`)).status).toBe(404);
      expect((await a.get(`/sessions/${id}/files/dir/passwd`)).status).toBe(404);
      expect((await a.get(`/sessions/${id}/files?path=dir`)).status).toBe(404);
      const listing = (await a.get(`/sessions/${id}/files`)).body.entries.map((entry: { name: string; type: string }) => [entry.name, entry.type]);
      expect(listing).toEqual([
        ['dir', 'symlink'],
        ['passwd', 'symlink'],
        ['real', 'directory'],
      ]);
      // An upload through the link is refused; one onto the link replaces the link, not /etc/passwd.
      expect((await a.put(`/sessions/${id}/files/dir/kiln`, Buffer.from('x'))).status).toBe(409);
      expect((await a.put(`/sessions/${id}/files/passwd`, Buffer.from('mine\n'))).status).toBe(200);
      expect((await a.download(`/sessions/${id}/files/passwd`)).body.toString()).toBe('mine\n');
      const check = await run(id, { command: ['sh', '-c', 'head -c 5 /etc/passwd; echo; ls -l passwd'] });
      expect(check.stdout).toMatch(/^root:/);
      expect(check.stdout).toMatch(/^-rw/m);
      // Deleting a link removes the link alone.
      expect((await a.delete(`/sessions/${id}/files/dir`)).status).toBe(204);
      expect((await run(id, { command: ['ls', '/etc/hostname'] })).verdict).toBe('OK');
    });
  });

  it('two sessions of different keys cannot see each other’s files, processes, contexts or API', async () => {
    const secret = `secret-${randomBytes(6).toString('hex')}`;
    await inSession({ language: 'python' }, async (mine) => {
      await run(mine, { command: ['sh', '-c', `echo ${secret} > /workspace/${secret}; echo ${secret} > /tmp/${secret}; echo ${secret} > /dev/shm/${secret}`] });
      await run(mine, { context: 'main', code: `held = "${secret}"\nimport subprocess\nsubprocess.Popen(["sleep", "31339"])\n1` });
      await inSession(
        { language: 'bash' },
        async (theirs) => {
          // The secret reaches the snooper on stdin, so its own files never hold it.
          const snoop = await run(
            theirs,
            {
              command: ['bash', '-c', 'read s; ls -a /workspace /tmp /dev/shm; for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; done; grep -rs "$s" /workspace /tmp /dev/shm; echo done'],
              stdin: secret,
            },
            b,
          );
          expect(snoop.stdout).toContain('done');
          expect(snoop.stdout).not.toContain(secret);
          expect(snoop.stdout).not.toContain('sleep 31339');
          for (const response of [
            await b.get(`/sessions/${mine}`),
            await b.get(`/sessions/${mine}/files/${secret}`),
            await b.get(`/sessions/${mine}/files`),
            await b.post(`/sessions/${mine}/run`, { context: 'main', code: 'held' }),
          ]) {
            expect(response.status).toBe(404);
          }
        },
        b,
      );
      // Still there for its own key.
      expect((await run(mine, { context: 'main', code: 'held' })).result).toBe(`'${secret}'`);
    });
  });
});
