import { AgentExec } from '../../apps/worker/src/agent/agent-frames';
import { AgentExecReport } from '../../apps/worker/src/agent/agent-session';
import { ScriptedProgram, ScriptedRun } from '../../apps/worker/src/sandbox/scripted/scripted-sandbox';
import { SandboxKilledError, SandboxLease, SandboxReleasedError } from '../../apps/worker/src/sandbox/sandbox-lease';
import { SandboxLimits, SandboxRuntime, SandboxRuntimeClosedError } from '../../apps/worker/src/sandbox/sandbox-runtime';

/** One adapter under the contract. */
export interface ContractSubject {
  runtime: SandboxRuntime;
  /** The sandboxes of this subject that still exist (a Docker tier: the deployment's containers on the engine). */
  sandboxesLeft(): Promise<number>;
  close(): Promise<void>;
}

/** The image every contract program runs in (Docker tiers); it has sh and coreutils. */
export const CONTRACT_IMAGE = 'kiln/base:latest';
const MiB = 1024 * 1024;
const LIMITS: SandboxLimits = { memoryMb: 128, cpus: 1, processes: 32 };
const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8' };

/**
 * The programs of the contract, each with two faces: the command a real
 * sandbox runs (kiln/base's sh and coreutils) and the scripted function
 * that plays it (what a scripted runtime under the contract runs, by argv).
 */
const PROGRAMS = {
  echoStdin: { argv: ['cat'], scripted: ({ stdin, stdout }) => stdout(stdin) },
  bothStreams: { argv: ['sh', '-c', 'echo one; echo two >&2; echo three'], scripted: ({ stdout, stderr }) => (stdout('one\n'), stderr('two\n'), stdout('three\n')) },
  readNote: {
    argv: ['cat', 'note.txt'],
    scripted: ({ files, stdout }) => {
      const note = files.get('note.txt');
      return note ? stdout(note.content) : { exitCode: 1, stderr: 'cat: note.txt: No such file or directory\n' };
    },
  },
  writeNote: { argv: ['sh', '-c', 'echo kept > note.txt'], scripted: ({ files }) => void files.set('note.txt', { name: 'note.txt', mode: 0o644, content: Buffer.from('kept\n') }) },
  exitThree: { argv: ['sh', '-c', 'exit 3'], scripted: () => ({ exitCode: 3 }) },
  segfault: { argv: ['sh', '-c', 'kill -SEGV $$'], scripted: () => ({ signal: 11 }) },
  sleep: { argv: ['sleep', '30'], scripted: ({ sleep }) => sleep(30_000) },
  busyLoop: { argv: ['sh', '-c', 'while :; do :; done'], scripted: async ({ exec, sleep }) => (await sleep(exec.cpuMs ?? 0), { cpuMs: 2 * (exec.cpuMs ?? 0) }) },
  flood: {
    argv: ['yes', 'kiln'],
    scripted: async ({ stdout, sleep, signal }) => {
      while (!signal.aborted) {
        stdout('kiln\n'.repeat(1000));
        await sleep(1);
      }
    },
  },
  // tail keeps its last "line", here all of the input: memory grows until the limit.
  memoryBomb: { argv: ['sh', '-c', 'head -c 1000m /dev/zero | tail'], scripted: () => ({ memoryBytes: 1000 * MiB }) },
  leaveTraces: {
    argv: ['sh', '-c', 'echo secret > left.txt; echo secret > /tmp/left.txt; (sleep 3001 &); echo left'],
    scripted: ({ files, stdout }) => (files.set('left.txt', { name: 'left.txt', mode: 0o644, content: Buffer.from('secret\n') }), stdout('left\n')),
  },
  // 300[1] does not match this command line itself. `cd /tmp && ls -A`, not `ls -A /tmp`: gVisor 20221219 refuses
  // coreutils' statx of a named path (AT_NO_AUTOMOUNT: EINVAL), and listing the current directory needs none.
  lookForTraces: {
    argv: ['sh', '-c', 'ls -A; cd /tmp && ls -A; grep -l "sleep 300[1]" /proc/[0-9]*/cmdline 2>/dev/null; echo looked'],
    scripted: ({ files, stdout }) => stdout([...files.keys(), 'looked', ''].join('\n')),
  },
} satisfies Record<string, { argv: string[]; scripted: ScriptedProgram }>;

type ProgramName = keyof typeof PROGRAMS;

/** What a scripted runtime under the contract runs: the scripted face of the program whose command it is. */
export function contractScript(run: ScriptedRun): ReturnType<ScriptedProgram> {
  const program = Object.values(PROGRAMS).find((p) => JSON.stringify(p.argv) === JSON.stringify(run.exec.argv));
  if (!program) throw new Error(`not a contract program: ${JSON.stringify(run.exec.argv)}`);
  return (program.scripted as ScriptedProgram)(run);
}

const exec = (name: ProgramName, extra: Partial<AgentExec> = {}): AgentExec => ({ argv: PROGRAMS[name].argv, env: ENV, timeoutMs: 10_000, outputBytes: 65536, ...extra });
const run = (lease: SandboxLease, name: ProgramName, extra: Partial<AgentExec> = {}, stdin = Buffer.alloc(0)): Promise<AgentExecReport> =>
  lease.run({ exec: exec(name, extra), stdin });
const text = (report: AgentExecReport) => ({ stdout: report.stdout.toString(), stderr: report.stderr.toString() });

/**
 * The SandboxRuntime contract (apps/worker/src/sandbox/sandbox-runtime.ts):
 * the same cases against every adapter. The system tier runs it against
 * container and nested mode (test/sandbox/sandbox-runtime-contract.e2e-spec.ts),
 * the unit tier against the scripted adapter (test/unit/sandbox-runtime-contract.spec.ts).
 * The last case drains the runtime.
 */
export function describeRuntimeContract(name: string, start: () => Promise<ContractSubject>): void {
  describe(`SandboxRuntime contract: ${name}`, () => {
    let subject: ContractSubject;
    let runtime: SandboxRuntime;
    let owners = 0;
    const owner = () => ({ id: `contract-job-${++owners}`, part: 'run' });
    const lease = (limits: SandboxLimits = LIMITS, ownerOf = owner()) => runtime.lease({ owner: ownerOf, image: CONTRACT_IMAGE, limits });
    /** A lease for `use`, given back whatever happens. */
    const withLease = async <T>(use: (lease: SandboxLease) => Promise<T>, limits = LIMITS): Promise<T> => {
      const held = await lease(limits);
      try {
        return await use(held);
      } finally {
        runtime.release(held);
      }
    };

    beforeAll(async () => {
      subject = await start();
      runtime = subject.runtime;
    });

    afterAll(async () => {
      await subject?.close();
    });

    it('lends a sandbox for its owner: files and stdin in, the output to the listener as it comes, the report at the end', async () => {
      await withLease(async (held) => {
        expect(held.owner).toEqual({ id: expect.stringMatching(/^contract-job-/), part: 'run' });
        held.writeFiles([{ name: 'note.txt', mode: 0o644, content: Buffer.from('from the worker\n') }]);
        expect(text(await run(held, 'readNote'))).toEqual({ stdout: 'from the worker\n', stderr: '' });
        expect(text(await run(held, 'echoStdin', {}, Buffer.from('hi there')))).toEqual({ stdout: 'hi there', stderr: '' });
        // In order within a stream (two pipes: no order between them), all of it before the report.
        const heard = { stdout: '', stderr: '' };
        const report = await held.run({ exec: exec('bothStreams'), stdin: Buffer.alloc(0), onOutput: (stream, chunk) => (heard[stream] += chunk) });
        expect(heard).toEqual({ stdout: 'one\nthree\n', stderr: 'two\n' });
        expect(text(report)).toEqual(heard);
        expect(report.result).toMatchObject({ exitCode: 0, signal: null, timedOut: false, stdoutBytes: 10, stderrBytes: 4 });
      });
    });

    it('keeps the workspace between the runs of one lease', async () => {
      await withLease(async (held) => {
        await run(held, 'writeNote');
        expect(text(await run(held, 'readNote')).stdout).toBe('kept\n');
      });
    });

    it('reports how a program ended: its exit code, or the signal that ended it', async () => {
      await withLease(async (held) => {
        expect((await run(held, 'exitThree')).result).toMatchObject({ exitCode: 3, signal: null, timedOut: false, oomKilled: false });
        expect((await run(held, 'segfault')).result).toMatchObject({ exitCode: null, signal: 11 });
        expect(held.reusable).toBe(true);
      });
    });

    it('stops a program at its wall time (timedOut, SIGKILL), and never lends that sandbox again', async () => {
      await withLease(async (held) => {
        const { result } = await run(held, 'sleep', { timeoutMs: 300 });
        expect(result).toMatchObject({ exitCode: null, signal: 9, timedOut: true });
        expect(result.wallMs).toBeGreaterThanOrEqual(300);
        expect(held.reusable).toBe(false);
      });
    });

    it('stops a program past its CPU time (cpuLimited)', async () => {
      await withLease(async (held) => {
        const { result } = await run(held, 'busyLoop', { cpuMs: 200, timeoutMs: 10_000 });
        expect(result.cpuLimited).toBe(true);
        expect(result.timedOut).toBe(false);
      });
    });

    it('stops a program that floods past its output cap (outputLimited), keeping no more than the cap', async () => {
      await withLease(async (held) => {
        const report = await run(held, 'flood', { outputBytes: 4096 });
        expect(report.result).toMatchObject({ outputLimited: true, exitCode: null });
        expect(report.stdout.length + report.stderr.length).toBeLessThanOrEqual(4096);
        expect(report.result.stdoutBytes).toBeGreaterThan(4096);
      });
    });

    it('stops a program past its memory limit (oomKilled)', async () => {
      const { result } = await withLease((held) => run(held, 'memoryBomb'), { ...LIMITS, memoryMb: 64 });
      expect(result).toMatchObject({ oomKilled: true });
    });

    it('collects the workspace after a successful exit when the exec asks', async () => {
      await withLease(async (held) => {
        held.writeFiles([{ name: 'main.c', mode: 0o644, content: Buffer.from('int main;') }]);
        const report = await run(held, 'writeNote', { collect: true, collectMaxBytes: MiB });
        const collected = report.files.map((file) => [file.name.toString(), file.content.toString()]).sort();
        expect(collected).toEqual([
          ['main.c', 'int main;'],
          ['note.txt', 'kept\n'],
        ]);
      });
    });

    it('kills every sandbox of an owner at once, and only those; refuses the owner new ones', async () => {
      const victim = owner();
      const [a, b, other] = await Promise.all([lease(LIMITS, { ...victim, part: 'a' }), lease(LIMITS, { ...victim, part: 'b' }), lease()]);
      try {
        const runs = [a, b, other].map((held) => run(held, 'sleep', { timeoutMs: 20_000 }).then(() => 'ended', (error: Error) => error));
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await runtime.killOwner(victim.id)).toBe(2);
        const [ranA, ranB] = await Promise.all(runs.slice(0, 2));
        expect([ranA, ranB]).toEqual([expect.any(SandboxKilledError), expect.any(SandboxKilledError)]);
        await expect(lease(LIMITS, { ...victim, part: 'c' })).rejects.toThrow(SandboxKilledError);
        expect(await Promise.race([runs[2], new Promise((resolve) => setTimeout(() => resolve('still running'), 500))])).toBe('still running');
        expect(await runtime.killOwner(other.owner.id)).toBe(1);
        expect(await runs[2]).toEqual(expect.any(SandboxKilledError));
      } finally {
        [a, b, other].forEach((held) => runtime.release(held));
      }
    });

    it('lends a dedicated sandbox (a session’s): files in, confirmed, and never another owner’s after', async () => {
      const held = await runtime.lease({ owner: { id: `contract-session-${++owners}`, part: 'session' }, image: CONTRACT_IMAGE, limits: LIMITS, dedicated: true });
      try {
        expect(held).toMatchObject({ dedicated: true, alive: true, reusable: false });
        await held.putFiles([{ name: 'note.txt', mode: 0o644, content: Buffer.from('confirmed\n') }]);
        expect(text(await run(held, 'readNote')).stdout).toBe('confirmed\n');
        expect(held.reusable).toBe(false);
      } finally {
        runtime.release(held);
      }
    });

    it('refuses a lease once it is given back: its sandbox may serve someone else by then', async () => {
      const held = await lease();
      runtime.release(held);
      await expect(run(held, 'echoStdin')).rejects.toThrow(SandboxReleasedError);
      expect(() => held.writeFiles([{ name: 'late.txt', mode: 0o644, content: Buffer.from('late') }])).toThrow(SandboxReleasedError);
    });

    it('shows nothing of one lease to the next: files, /tmp, processes', async () => {
      expect(text(await withLease((held) => run(held, 'leaveTraces'))).stdout).toBe('left\n');
      const seen = text(await withLease((held) => run(held, 'lookForTraces')));
      expect(seen).toEqual({ stdout: 'looked\n', stderr: '' });
    });

    it('killAll kills every sandbox lent out', async () => {
      const held = await Promise.all([lease(), lease()]);
      try {
        const runs = held.map((h) => run(h, 'sleep', { timeoutMs: 20_000 }).then(() => 'ended', (error: Error) => error));
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await runtime.killAll('shutdown')).toBe(2);
        for (const ran of await Promise.all(runs)) expect(ran).toBeInstanceOf(Error);
      } finally {
        held.forEach((h) => runtime.release(h));
      }
    });

    it('drains: nothing is left, and no sandbox is lent after', async () => {
      runtime.windDown();
      // Leases are still served while the worker finishes its last tasks.
      await withLease((held) => run(held, 'exitThree'));
      await runtime.drain();
      expect(await subject.sandboxesLeft()).toBe(0);
      await expect(lease()).rejects.toThrow(SandboxRuntimeClosedError);
    });
  });
}
