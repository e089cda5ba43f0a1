/**
 * Drives the real kiln-agent binary, without Docker: it is built from
 * images/agent/ by its Makefile (the base image's build, same flags) and run
 * as PID 1 of a fresh pid namespace (`unshare --pid --fork --mount-proc`),
 * which is what makes its kill-everything and reap-everything duties
 * observable. Needs root, make and gcc.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import {
  AGENT_GREETING,
  AgentExec,
  AgentFile,
  AgentResult,
  decodeFileFrame,
  decodeSkippedEntry,
  encodeExecFrame,
  encodeFileFrame,
  encodeFrame,
  encodeLiveStdinFrames,
  encodePingFrame,
  encodeSignalFrame,
  encodeStdinEndFrame,
  encodeQuitFrame,
  encodeStdinFrames,
  Frame,
  FRAME_COLLECTED_FILE,
  FRAME_ERROR,
  FRAME_EXEC,
  FRAME_HELLO,
  FRAME_PING,
  FRAME_RESULT,
  FRAME_SKIPPED,
  FRAME_STDERR,
  FRAME_STDOUT,
  FrameDecoder,
  MAX_FILE_NAME_BYTES,
  MAX_PING_PAYLOAD_BYTES,
  parseResult,
  SkippedEntry,
} from './agent-frames';

const AGENT_DIR = resolve(__dirname, '../../../../images/agent');
const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin' };

jest.setTimeout(30_000);

/**
 * The bound on an exec that must end "promptly": what each such test rules
 * out is waiting for a program that runs 30 s or more (or for ever), while a
 * loaded 2-core machine may take a second or two to fork, kill and reap a
 * few processes and to hand the frames to this process.
 */
const PROMPTLY_MS = 5000;

let buildDir: string;
let agentBinary: string;

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('kiln-agent.spec needs root (it creates pid namespaces with unshare)');
  buildDir = mkdtempSync(join(tmpdir(), 'kiln-agent-build-'));
  agentBinary = join(buildDir, 'kiln-agent');
  try {
    execFileSync('make', ['-s', '-C', AGENT_DIR, `OUT=${agentBinary}`], { stdio: 'pipe' });
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new Error('make is not installed: it (and gcc) builds images/agent/');
    throw new Error(`building kiln-agent failed:\n${err.stderr?.toString() ?? err.message}`);
  }
}, 60_000);

afterAll(() => {
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

interface ExecOutcome {
  stdout: Buffer;
  stderr: Buffer;
  files: AgentFile[];
  /** The N frames, in order. */
  skipped: SkippedEntry[];
  result: AgentResult;
  elapsedMs: number;
}

interface AgentOptions {
  /** false puts a shell in front as PID 1, so the agent must not use kill(-1). */
  asPid1?: boolean;
  /** ['--inner'] makes it a nested sandbox's agent (its own seccomp filter first). */
  mode?: string[];
  /** Runs the agent as that user (owning the workspace), as in a sandbox, where permissions bind; root's do not. */
  uid?: number;
  /** Where the workspace directory is made (a tmpfs, like a sandbox's, is far faster with many entries). */
  workspaceIn?: string;
  /** Added to the agent's own environment (as a container's Env would be). */
  env?: Record<string, string>;
  /** Pins the agent, and so its programs, to this CPU: a program it wakes then competes with it for that CPU. */
  cpu?: number;
}

/** Four CPU-busy subshells, alive until they are killed. */
const BUSY_FOUR = 'for i in 1 2 3 4; do (while :; do :; done) & done; wait';

/** One agent in its own pid namespace, with its own workspace directory. */
class AgentUnderTest {
  readonly workspace: string;
  readonly exited: Promise<number | null>;
  diagnostics = '';
  private readonly child: ChildProcess;
  private readonly decoder = new FrameDecoder();
  private readonly frames: Frame[] = [];
  private wake: () => void = () => {};
  private ended = false;

  constructor({ asPid1 = true, mode = [], uid, workspaceIn = tmpdir(), env = {}, cpu }: AgentOptions = {}) {
    this.workspace = mkdtempSync(join(workspaceIn, 'kiln-agent-ws-'));
    const asUser = uid === undefined ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
    if (uid !== undefined) {
      chmodSync(buildDir, 0o755);
      chownSync(this.workspace, uid, uid);
    }
    const agent = [...asUser, agentBinary, ...mode, '--workspace', this.workspace];
    const inNamespace = asPid1 ? agent : ['sh', '-c', '"$@"; exit $?', 'pid1-shell', ...agent];
    const unshare = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child', ...inNamespace];
    const [command, ...args] = cpu === undefined ? unshare : ['taskset', '-c', String(cpu), ...unshare];
    this.child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.frames.push(...this.decoder.push(chunk));
      this.wake();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.diagnostics += chunk.toString()));
    this.child.stdin!.on('error', () => {}); // EPIPE once the agent has exited
    this.exited = new Promise((done) =>
      this.child.on('exit', (code) => {
        this.ended = true;
        this.wake();
        done(code);
      }),
    );
  }

  send(...frames: Buffer[]): void {
    for (const frame of frames) this.child.stdin!.write(frame);
  }

  closeStdin(): void {
    this.child.stdin!.end();
  }

  async nextFrame(timeoutMs = 10_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.ended) throw new Error(`agent exited; stderr: ${this.diagnostics}`);
      if (Date.now() > deadline) throw new Error(`no frame within ${timeoutMs} ms; stderr: ${this.diagnostics}`);
      await new Promise<void>((wake) => {
        this.wake = wake;
        setTimeout(wake, 50);
      });
    }
    return this.frames.shift()!;
  }

  async hello(): Promise<void> {
    const frame = await this.nextFrame();
    expect(frame).toEqual({ type: FRAME_HELLO, payload: Buffer.from(AGENT_GREETING) });
  }

  writeFile(name: string, content: string | Buffer, mode?: number): void {
    this.send(encodeFileFrame(name, Buffer.from(content), mode));
  }

  async exec(exec: AgentExec, stdin?: Buffer): Promise<ExecOutcome> {
    const started = Date.now();
    this.send(...(stdin ? encodeStdinFrames(stdin) : []), encodeExecFrame({ env: ENV, ...exec }));
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const files: AgentFile[] = [];
    const skipped: SkippedEntry[] = [];
    for (;;) {
      const frame = await this.nextFrame(20_000);
      if (frame.type === FRAME_STDOUT) stdout.push(frame.payload);
      else if (frame.type === FRAME_STDERR) stderr.push(frame.payload);
      else if (frame.type === FRAME_COLLECTED_FILE) files.push(decodeFileFrame(frame.payload));
      else if (frame.type === FRAME_SKIPPED) skipped.push(decodeSkippedEntry(frame.payload));
      else if (frame.type === FRAME_RESULT) {
        const result = parseResult(frame.payload);
        const elapsedMs = Date.now() - started;
        return { stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), files, skipped, result, elapsedMs };
      } else throw new Error(`unexpected ${frame.type} frame: ${frame.payload.toString()}`);
    }
  }

  async expectError(pattern: RegExp): Promise<void> {
    const frame = await this.nextFrame();
    expect(frame.type).toBe(FRAME_ERROR);
    expect(frame.payload.toString()).toMatch(pattern);
  }

  /** The pids visible in the namespace, as seen by a fresh `ls /proc`. */
  async processes(): Promise<string[]> {
    const { stdout } = await this.exec({ argv: ['ls', '/proc'] });
    return stdout.toString().split('\n').filter((name) => /^\d+$/.test(name));
  }

  async stop(): Promise<void> {
    if (!this.ended) this.child.kill('SIGKILL'); // --kill-child takes the namespace down with it
    await this.exited;
    rmSync(this.workspace, { recursive: true, force: true });
  }
}

/** A Python program that leaves `count` dangling symlinks in the workspace (faster than `ln`, one by one). */
function links(count: number): string {
  return `import os\nos.makedirs('l', exist_ok=True)\nfor i in range(${count}): os.symlink('/nowhere', f'l/{i}')`;
}

/** Skipped entries as sorted `path reason` lines (paths as UTF-8). */
function shown(skipped: SkippedEntry[]): string[] {
  return skipped.map((entry) => `${entry.path.toString()} ${entry.reason}`).sort();
}

/** An F frame with any name at all, bypassing encodeFileFrame's checks. */
function rawFileFrame(name: Buffer, content = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(2 + name.length + 4);
  header.writeUInt16BE(name.length, 0);
  name.copy(header, 2);
  header.writeUInt32BE(0o644, 2 + name.length);
  return encodeFrame('F', Buffer.concat([header, content]));
}

function rawExecFrame(...strings: string[]): Buffer {
  return encodeFrame(FRAME_EXEC, Buffer.from(strings.map((s) => `${s}\0`).join('')));
}

/** The command lines of the namespace's processes, one a line, as a fresh exec sees them. */
async function commandLines(agent: AgentUnderTest): Promise<string[]> {
  const { stdout } = await agent.exec({ argv: ['sh', '-c', 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; done'] });
  return stdout
    .toString()
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

describe('kiln-agent (real binary, PID 1 of a pid namespace)', () => {
  let agent: AgentUnderTest;

  beforeEach(async () => {
    agent = new AgentUnderTest();
    await agent.hello();
  });

  afterEach(async () => {
    await agent.stop();
  });

  it('writes files and runs a shell with stdout, stderr and exit code', async () => {
    agent.writeFile('a/b.txt', 'hello from b\n');
    agent.writeFile('run.sh', '#!/bin/sh\necho script\n', 0o755);
    const { stdout, stderr, result } = await agent.exec({ argv: ['sh', '-c', 'cat a/b.txt; echo err >&2; exit 3'] });
    expect(stdout.toString()).toBe('hello from b\n');
    expect(stderr.toString()).toBe('err\n');
    expect(result).toMatchObject({ exitCode: 3, signal: null, timedOut: false, outputLimited: false, execError: null });
    expect(result).toMatchObject({ stdoutBytes: 13, stderrBytes: 4 });
    expect(statSync(join(agent.workspace, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(statSync(join(agent.workspace, 'a')).mode & 0o777).toBe(0o755);
    expect((await agent.exec({ argv: ['./run.sh'] })).stdout.toString()).toBe('script\n');
  });

  it('gives the program only the requested environment and cwd', async () => {
    agent.writeFile('sub/x', '');
    const env = { PATH: '/usr/bin:/bin', ONLY: 'me' };
    const { stdout } = await agent.exec({ argv: ['sh', '-c', 'env | sort; pwd'], env, cwd: 'sub' });
    const lines = stdout.toString().trim().split('\n');
    const shellOwn = /^(PWD|SHLVL|_)=/;
    expect(lines.filter((l) => !shellOwn.test(l))).toEqual(['ONLY=me', 'PATH=/usr/bin:/bin', join(agent.workspace, 'sub')]);
  });

  it('starts the program with default signals, an empty mask, no core dumps and oom_score_adj 1000', async () => {
    const { stdout } = await agent.exec({
      argv: [
        'sh',
        '-c',
        ['grep -E "^Sig(Blk|Ign):" /proc/self/status', 'cat /proc/self/oom_score_adj', 'ulimit -c', 'ulimit -n', 'ls /proc/self/fd'].join(';'),
      ],
      nofile: 64,
    });
    expect(stdout.toString()).toBe('SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n1000\n0\n64\n0\n1\n2\n3\n');
  });

  it('feeds stdin, larger than a pipe buffer and split over several S frames, then clears it', async () => {
    const input = Buffer.alloc(3 * 1024 * 1024 + 123);
    for (let i = 0; i < input.length; i++) input[i] = (i * 7) & 0xff;
    const { stdout, result } = await agent.exec({ argv: ['cat'], outputBytes: 8 << 20 }, input);
    expect(result.exitCode).toBe(0);
    expect(stdout.equals(input)).toBe(true);
    const again = await agent.exec({ argv: ['wc', '-c'] });
    expect(again.stdout.toString().trim()).toBe('0');
  });

  it('kills a program at the wall timeout', async () => {
    const { result, elapsedMs } = await agent.exec({ argv: ['sleep', '30'], timeoutMs: 500 });
    expect(result).toMatchObject({ timedOut: true, exitCode: null, signal: 9 });
    expect(result.wallMs).toBeGreaterThanOrEqual(500);
    expect(elapsedMs).toBeLessThan(3000); // near its deadline, far from the program's 30 s
  });

  it('still times out a program that stopped itself', async () => {
    const { result, elapsedMs } = await agent.exec({ argv: ['sh', '-c', 'kill -STOP $$; echo never'], timeoutMs: 500 });
    expect(result).toMatchObject({ timedOut: true, signal: 9 });
    expect(elapsedMs).toBeLessThan(3000); // near its deadline; stopped, it would never end
  });

  it('forwards exactly output_bytes of a flood, then drains, kills and returns promptly', async () => {
    const { stdout, result, elapsedMs } = await agent.exec({ argv: ['yes'], outputBytes: 10_000, timeoutMs: 10_000 });
    expect(stdout.length).toBe(10_000);
    expect(stdout.toString()).toBe('y\n'.repeat(5000));
    expect(result).toMatchObject({ outputLimited: true, timedOut: false, signal: 9 });
    expect(result.stdoutBytes).toBeGreaterThan(10_000);
    expect(elapsedMs).toBeLessThan(PROMPTLY_MS); // not at its 10 s timeout
  });

  it('counts stdout and stderr against one combined cap', async () => {
    const { stdout, stderr, result } = await agent.exec({
      argv: ['sh', '-c', 'printf 12345; sleep 0.1; printf 67890 >&2; sleep 0.1; printf abc'],
      outputBytes: 8,
    });
    expect(Buffer.concat([stdout, stderr]).length).toBe(8);
    expect(stdout.toString()).toBe('12345');
    expect(stderr.toString()).toBe('678');
    expect(result.outputLimited).toBe(true);
  });

  it('carries frame-looking bytes from the program as plain payload', async () => {
    // R, length 5, "hello"; then X, length 1, "z"; then a 4 GiB length header.
    const fake = Buffer.concat([
      Buffer.from([0x52, 0, 0, 0, 5]),
      Buffer.from('hello'),
      Buffer.from([0x58, 0, 0, 0, 1, 0x7a]),
      Buffer.from([0x4f, 0xff, 0xff, 0xff, 0xff]),
    ]);
    const octal = [...fake].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
    const { stdout, stderr, result } = await agent.exec({ argv: ['sh', '-c', `printf '${octal}'; printf '${octal}' >&2`] });
    expect(stdout.equals(fake)).toBe(true);
    expect(stderr.equals(fake)).toBe(true);
    expect(result.exitCode).toBe(0);
    expect((await agent.exec({ argv: ['echo', 'still in sync'] })).stdout.toString()).toBe('still in sync\n');
  });

  it('leaves no process behind: background, setsid and double-forked daemons die with the exec', async () => {
    const first = await agent.exec({ argv: ['sh', '-c', 'setsid sleep 100 & (sh -c "sleep 101 &" &); echo started'] });
    expect(first.stdout.toString()).toBe('started\n');
    expect(first.result.exitCode).toBe(0);
    const pids = await agent.processes();
    expect(pids).toHaveLength(2); // the agent and the `ls` itself
    expect(pids).toContain('1');
  });

  it('kills and reaps a swarm of children when the main process exits', async () => {
    const { result, elapsedMs } = await agent.exec({
      argv: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do (trap "" TERM HUP; sleep 100) & done; exit 0'],
    });
    expect(result.exitCode).toBe(0);
    expect(elapsedMs).toBeLessThan(PROMPTLY_MS);
    expect(await agent.processes()).toHaveLength(2);
  });

  it('survives a program that closes its output and keeps running', async () => {
    const { result, elapsedMs } = await agent.exec({ argv: ['sh', '-c', 'exec >&- 2>&- <&-; sleep 0.3; exit 4'] });
    expect(result.exitCode).toBe(4);
    expect(elapsedMs).toBeGreaterThanOrEqual(300);
  });

  it('reports a program that cannot be executed', async () => {
    const { result } = await agent.exec({ argv: ['no-such-program-kiln'] });
    expect(result).toMatchObject({ exitCode: 127, execError: 'No such file or directory' });
    const badCwd = await agent.exec({ argv: ['true'], cwd: 'missing' });
    expect(badCwd.result).toMatchObject({ exitCode: 127, execError: 'chdir: No such file or directory' });
  });

  it('collects regular files, never following a symlink or opening a fifo, and names what it skipped', async () => {
    agent.writeFile('src/in.txt', 'input\n');
    const { files, skipped, result, elapsedMs } = await agent.exec({
      argv: ['sh', '-c', 'echo out > out.txt; chmod 700 out.txt; mkdir -p d/e; printf x > d/e/deep; ln -s /etc/passwd passwd; ln -s /etc etc; mkfifo fifo'],
      collect: true,
      skippedMax: 10,
    });
    expect(result).toMatchObject({ exitCode: 0, collectError: null, skippedCount: 3 });
    expect(elapsedMs).toBeLessThan(PROMPTLY_MS); // opening the fifo would block for ever
    const byName = Object.fromEntries(files.map((f) => [f.name, f]));
    expect(Object.keys(byName).sort()).toEqual(['d/e/deep', 'out.txt', 'src/in.txt']);
    expect(byName['out.txt']).toEqual({ name: 'out.txt', mode: 0o700, content: Buffer.from('out\n') });
    expect(byName['d/e/deep'].content.toString()).toBe('x');
    expect(shown(skipped)).toEqual(['etc symlink', 'fifo fifo', 'passwd symlink']);
  });

  it('without skipped_max names nothing (as before the key) but still counts the skipped entries', async () => {
    const { files, skipped, result } = await agent.exec({ argv: ['sh', '-c', 'echo x > kept; ln -s /etc/passwd passwd; mkfifo fifo'], collect: true });
    expect(files.map((f) => f.name)).toEqual(['kept']);
    expect(skipped).toEqual([]);
    expect(result).toMatchObject({ collectError: null, skippedCount: 2 });
  });

  it(`collects a path of ${MAX_FILE_NAME_BYTES} bytes, which the worker can write back, and skips longer ones whole`, async () => {
    // Directories of 100 bytes: a path reaches the limit in the third component.
    const [a, b] = ['a'.repeat(100), 'b'.repeat(100)];
    const fits = `${a}/${b}/${'c'.repeat(MAX_FILE_NAME_BYTES - 202)}`;
    // One byte over: skipped with what it holds.
    const tooLongDir = `${a}/${'d'.repeat(MAX_FILE_NAME_BYTES - 100)}`;
    const script = `mkdir -p ${a}/${b} ${tooLongDir}/inner && echo fits > ${fits} && echo long > ${a}/${b}/${'e'.repeat(MAX_FILE_NAME_BYTES - 201)} && echo in > ${tooLongDir}/inner/f; echo top > top`;
    const { files, skipped, result } = await agent.exec({ argv: ['sh', '-c', script], collect: true, skippedMax: 10 });
    expect(result).toMatchObject({ exitCode: 0, collectError: null, skippedCount: 2 });
    expect(files.map((f) => f.name).sort()).toEqual([fits, 'top']);
    expect(Buffer.byteLength(fits)).toBe(MAX_FILE_NAME_BYTES);
    // What the worker does with a collected name: an F frame the next sandbox's agent accepts.
    for (const file of files) expect(() => encodeFileFrame(file.name, file.content, file.mode)).not.toThrow();
    // The shortest part of each path that is too long, nothing below it.
    expect(shown(skipped)).toEqual([`${a}/${b}/${'e'.repeat(MAX_FILE_NAME_BYTES - 201)} path_too_long`, `${tooLongDir} path_too_long`].sort());
  });

  it('skips a directory past 32 levels with everything in it, and collects the rest', async () => {
    const deep = Array.from({ length: 40 }, (_, i) => `d${i + 1}`);
    const script = `mkdir -p ${deep.join('/')} && echo x > ${deep.slice(0, 32).join('/')}/kept && echo y > ${deep.join('/')}/lost && echo z > top`;
    const { files, skipped, result } = await agent.exec({ argv: ['sh', '-c', script], collect: true, skippedMax: 10 });
    expect(result).toMatchObject({ exitCode: 0, collectError: null, skippedCount: 1 });
    expect(files.map((f) => f.name).sort()).toEqual([`${deep.slice(0, 32).join('/')}/kept`, 'top']);
    expect(shown(skipped)).toEqual([`${deep.slice(0, 33).join('/')} too_deep`]);
  });

  it('skips names that are not strict UTF-8 (a directory whole) and names them as the bytes they are', async () => {
    const octalNames = [
      'plain',
      '\\303\\251', // é
      '\\360\\237\\230\\200', // 😀
      'bad\\377', // 0xff is never UTF-8
      '\\300\\257', // overlong '/'
      '\\355\\240\\200', // UTF-16 surrogate
      'cut\\303', // truncated sequence
    ];
    const script = `${octalNames.map((octal) => `printf x > "$(printf '${octal}')"`).join('; ')}; mkdir "$(printf 'dir\\376')"; touch "$(printf 'dir\\376/inner')"`;
    const { files, skipped, result } = await agent.exec({ argv: ['sh', '-c', script], collect: true, skippedMax: 10 });
    expect(result).toMatchObject({ exitCode: 0, collectError: null, skippedCount: 5 });
    expect(files.map((f) => f.name).sort()).toEqual(['plain', 'é', '😀'].sort());
    expect(skipped.every((entry) => entry.reason === 'not_utf8')).toBe(true);
    const paths = skipped.map((entry) => entry.path.toString('hex')).sort();
    expect(paths).toEqual(['626164ff', 'c0af', 'eda080', '637574c3', '646972fe'].sort());
  });

  it('skips sockets, devices and empty directories, each with its reason; a directory of skipped entries is not empty', async () => {
    const script = [
      'python3 -c "import socket; socket.socket(socket.AF_UNIX).bind(\'sock\')"',
      'mknod null c 1 3',
      'mkdir -p empty outer/inner links',
      'ln -s /nowhere links/l',
      'echo x > file',
    ].join(' && ');
    const { files, skipped, result } = await agent.exec({ argv: ['sh', '-c', script], collect: true, skippedMax: 10 });
    expect(result).toMatchObject({ exitCode: 0, collectError: null });
    expect(files.map((f) => f.name)).toEqual(['file']);
    expect(shown(skipped)).toEqual(['empty empty_directory', 'links/l symlink', 'null device', 'outer/inner empty_directory', 'sock socket']);
  });

  it('names at most skipped_max entries (never more than 1024) and counts them all', async () => {
    const { files, skipped, result } = await agent.exec({ argv: ['sh', '-c', 'mkdir links && seq -f /nowhere/l%g 30 | xargs ln -s -t links && echo x > kept'], collect: true, skippedMax: 5 });
    expect(files.map((f) => f.name)).toEqual(['kept']);
    expect(skipped).toHaveLength(5);
    expect(result).toMatchObject({ collectError: null, skippedCount: 30 });
    const many = await agent.exec({ argv: ['python3', '-c', links(1100)], collect: true, skippedMax: 5000 });
    expect(many.skipped).toHaveLength(1024);
    expect(many.result).toMatchObject({ collectError: null, skippedCount: 1100 + 30 });
  });

  it('cannot keep a workspace of more than 10000 files or 100000 entries: no files, no names, the reason', async () => {
    const onTmpfs = new AgentUnderTest({ workspaceIn: '/dev/shm' });
    try {
      await onTmpfs.hello();
      const files = await onTmpfs.exec({ argv: ['sh', '-c', 'mkdir many && cd many && seq -f f%g 10001 | xargs touch'], collect: true, skippedMax: 10 });
      expect(files.result).toMatchObject({ exitCode: 0, collectError: 'too_many_files', skippedCount: 0 });
      expect([files.files, files.skipped]).toEqual([[], []]);
      const entries = await onTmpfs.exec({ argv: ['sh', '-c', `rm -r many && python3 -c "${links(100_001)}"`], collect: true, skippedMax: 10 });
      expect(entries.result).toMatchObject({ exitCode: 0, collectError: 'too_many_entries', skippedCount: 0 });
      expect([entries.files, entries.skipped]).toEqual([[], []]);
    } finally {
      await onTmpfs.stop();
    }
  });

  it('refuses to collect more than collect_max_bytes, sending no files', async () => {
    const { files, skipped, result } = await agent.exec({
      argv: ['sh', '-c', 'head -c 5000 /dev/zero > big; ln -s big link'],
      collect: true,
      collectMaxBytes: 4096,
      skippedMax: 10,
    });
    expect(result).toMatchObject({ exitCode: 0, collectError: 'too_large' });
    expect([files, skipped]).toEqual([[], []]);
  });

  it('does not collect after a failed exit', async () => {
    const { files, skipped, result } = await agent.exec({ argv: ['sh', '-c', 'echo x > out; ln -s out l; exit 1'], collect: true, skippedMax: 10 });
    expect(result).toMatchObject({ exitCode: 1, collectError: null, skippedCount: 0 });
    expect([files, skipped]).toEqual([[], []]);
  });

  it('answers bad file names with X and stays usable', async () => {
    for (const name of ['../x', '/abs', 'a//b', 'a\0b', '.', 'a/./b', '']) {
      agent.send(rawFileFrame(Buffer.from(name), Buffer.from('payload that must be skipped')));
      await agent.expectError(/bad file name/);
    }
    agent.send(rawFileFrame(Buffer.from('x'.repeat(256))));
    await agent.expectError(/bad file name/);
    expect(readdirSync(agent.workspace)).toEqual([]);
    expect((await agent.exec({ argv: ['true'] })).result.exitCode).toBe(0);
  });

  it('never writes through a symlink or over an existing file', async () => {
    const plant = `ln -s ${agent.workspace}/../ escape; ln -s /tmp/kiln-agent-target target; echo old > kept`;
    await agent.exec({ argv: ['sh', '-c', plant] });
    agent.writeFile('escape/planted', 'x');
    await agent.expectError(/file escape\/planted: Not a directory|Too many levels/);
    agent.writeFile('target', 'x');
    await agent.expectError(/file target: File exists/);
    agent.writeFile('kept', 'new');
    await agent.expectError(/file kept: File exists/);
    expect(readFileSync(join(agent.workspace, 'kept'), 'utf8')).toBe('old\n');
    expect(() => statSync(join(agent.workspace, '..', 'planted'))).toThrow();
  });

  it('answers a malformed exec with X and stays usable', async () => {
    agent.send(rawExecFrame('arg', 'true', 'no_such_key', '1'));
    await agent.expectError(/no_such_key: unknown key/);
    agent.send(rawExecFrame('timeout_ms', '12x', 'arg', 'true'));
    await agent.expectError(/timeout_ms: bad number/);
    agent.send(rawExecFrame('cwd', '../etc', 'arg', 'true'));
    await agent.expectError(/bad cwd/);
    agent.send(rawExecFrame('env', 'X=1'));
    await agent.expectError(/without arg/);
    agent.send(encodeFrame(FRAME_EXEC, Buffer.from('arg\0true')));
    await agent.expectError(/end with NUL/);
    expect((await agent.exec({ argv: ['true'] })).result.exitCode).toBe(0);
  });

  it('exits 2 after an X for an oversized frame', async () => {
    const header = Buffer.from([0x53, 0x10, 0, 0, 1]); // S of 256 MiB + 1
    agent.send(header);
    await agent.expectError(/exceeds/);
    expect(await agent.exited).toBe(2);
  });

  it('exits 2 after an X for an unknown frame type', async () => {
    agent.send(encodeFrame('Z', Buffer.alloc(0)));
    await agent.expectError(/unknown frame type 0x5a/);
    expect(await agent.exited).toBe(2);
  });

  it('echoes a ping, between and after other frames, and refuses an oversized one', async () => {
    agent.send(encodePingFrame(Buffer.from('first')));
    expect(await agent.nextFrame()).toEqual({ type: FRAME_PING, payload: Buffer.from('first') });
    agent.writeFile('p.txt', 'x');
    agent.send(encodePingFrame(Buffer.alloc(0)));
    expect(await agent.nextFrame()).toEqual({ type: FRAME_PING, payload: Buffer.alloc(0) });
    agent.send(encodeFrame(FRAME_PING, Buffer.alloc(MAX_PING_PAYLOAD_BYTES + 1)));
    await agent.expectError(/P frame longer than 256 bytes/);
    expect((await agent.exec({ argv: ['cat', 'p.txt'] })).stdout.toString()).toBe('x');
  });

  it('echoes an exec’s nonce in its result and in the refusal of it; an exec without one is answered as before', async () => {
    expect((await agent.exec({ argv: ['true'], nonce: 'n0nce_A-1' })).result.nonce).toBe('n0nce_A-1');
    expect((await agent.exec({ argv: ['true'] })).result.nonce).toBeUndefined();
    agent.send(encodeFrame(FRAME_EXEC, Buffer.from('arg\0true\0nonce\0n2\0bogus\0x\0')));
    await agent.expectError(/^nonce=n2\nE key bogus: unknown key$/);
    agent.send(encodeFrame(FRAME_EXEC, Buffer.from('arg\0true\0nonce\0bad nonce!\0')));
    await agent.expectError(/^E key nonce: nonce must be/);
  });

  it('interactive: the program’s stdin stays open; I frames reach it while it runs, D ends it', async () => {
    const program = 'import sys\nprint("name?", flush=True)\nname = sys.stdin.readline().strip()\nprint("hello " + name, flush=True)\nprint("rest=" + repr(sys.stdin.read()), flush=True)';
    agent.send(encodeExecFrame({ env: ENV, argv: ['python3', '-c', program], interactive: true, nonce: 'i1', outputBytes: 1_000_000 }));
    expect((await agent.nextFrame()).payload.toString()).toBe('name?\n');
    agent.send(...encodeLiveStdinFrames(Buffer.from('Ada\n')));
    expect((await agent.nextFrame()).payload.toString()).toBe('hello Ada\n');
    // Larger than a pipe buffer and an I frame: taken piece by piece as the program reads.
    agent.send(...encodeLiveStdinFrames(Buffer.alloc(200_000, 'x')), encodeStdinEndFrame());
    const rest: Buffer[] = [];
    for (let frame = await agent.nextFrame(); ; frame = await agent.nextFrame()) {
      if (frame.type === FRAME_RESULT) {
        expect(parseResult(frame.payload)).toMatchObject({ exitCode: 0, nonce: 'i1' });
        break;
      }
      rest.push(frame.payload);
    }
    expect(Buffer.concat(rest).toString()).toBe(`rest='${'x'.repeat(200_000)}'\n`);
  });

  it('interactive: K signals the running program; late live frames after its end are dropped and the agent stays usable', async () => {
    agent.send(encodeExecFrame({ env: ENV, argv: ['sleep', '30'], interactive: true, nonce: 'k1' }));
    await new Promise((done) => setTimeout(done, 200));
    agent.send(encodeSignalFrame(15));
    const frame = await agent.nextFrame();
    expect(parseResult(frame.payload)).toMatchObject({ exitCode: null, signal: 15, timedOut: false, nonce: 'k1' });
    agent.send(...encodeLiveStdinFrames(Buffer.from('late')), encodeSignalFrame(9), encodeStdinEndFrame(), encodePingFrame(Buffer.from('after')));
    expect(await agent.nextFrame()).toEqual({ type: FRAME_PING, payload: Buffer.from('after') });
  });

  it('interactive: an idle program still ends at its wall time, killed before its stdin closes (it never sees the EOF)', async () => {
    // Were stdin closed before the kill, the program woken by the EOF could run on first (on the agent's
    // CPU the scheduler may prefer the woken one) and print, or exit 1 of it: Python's input() gave an
    // EOFError traceback and code 1 beside the time limit. Pinned to one CPU, the race is run often.
    await agent.stop();
    agent = new AgentUnderTest({ cpu: 0 });
    await agent.hello();
    const program = 'import sys\nsys.stdin.read()\nprint("after-eof", flush=True)\nsys.exit(1)';
    for (let attempt = 0; attempt < 10; attempt++) {
      const { result, stdout, elapsedMs } = await agent.exec({ argv: ['python3', '-c', program], interactive: true, timeoutMs: 300 });
      expect({ attempt, timedOut: result.timedOut, exitCode: result.exitCode, signal: result.signal, stdout: stdout.toString() }).toEqual({ attempt, timedOut: true, exitCode: null, signal: 9, stdout: '' });
      expect(elapsedMs).toBeLessThan(5000);
    }
  });

  it('refuses keep with interactive', async () => {
    agent.send(encodeExecFrame({ env: ENV, argv: ['true'], keep: true, interactive: true }));
    await agent.expectError(/keep and interactive exclude each other/);
  });

  it('exits 0 on Q and on EOF, even mid-exec', async () => {
    agent.send(encodeQuitFrame());
    expect(await agent.exited).toBe(0);

    const idle = new AgentUnderTest();
    await idle.hello();
    idle.closeStdin();
    expect(await idle.exited).toBe(0);
    await idle.stop();

    const busy = new AgentUnderTest();
    await busy.hello();
    const started = Date.now();
    busy.send(encodeExecFrame({ argv: ['sleep', '30'], env: ENV }));
    await new Promise((r) => setTimeout(r, 200));
    busy.closeStdin();
    expect(await busy.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(PROMPTLY_MS);
    await busy.stop();
  });

  it('reads a Q that came with a (non-interactive) exec only after that exec’s result: the worker ends a task’s sandbox with its last run', async () => {
    // One write, as the worker sends a task's last exec in nested mode (warm-container.ts).
    agent.send(Buffer.concat([encodeExecFrame({ argv: ['sh', '-c', 'sleep 0.3; echo finished'], env: ENV }), encodeQuitFrame()]));
    const frames: Frame[] = [];
    while (frames.at(-1)?.type !== FRAME_RESULT) frames.push(await agent.nextFrame());
    expect(frames.map((frame) => frame.type)).toEqual([FRAME_STDOUT, FRAME_RESULT]);
    expect(frames[0].payload.toString()).toBe('finished\n');
    expect(parseResult(frames[1].payload)).toMatchObject({ exitCode: 0, signal: null, timedOut: false });
    expect(await agent.exited).toBe(0);
  });

  it('measures CPU time of a loop that burns one second of CPU, whatever the machine load', async () => {
    // Bounded by the process's own CPU clock, not the wall clock: on a loaded machine the loop
    // simply takes longer, and the agent must still report about one second.
    const busy = 'import time\nwhile time.process_time() < 1: pass';
    const { result } = await agent.exec({ argv: ['python3', '-c', busy] });
    expect(result.exitCode).toBe(0);
    expect(result.cpuMs).toBeGreaterThanOrEqual(950);
    expect(result.cpuMs).toBeLessThanOrEqual(1300); // interpreter start-up and exit on top
    expect(result.wallMs).toBeGreaterThanOrEqual(result.cpuMs - 50);
  });

  it('stops a program at its CPU limit', async () => {
    const spin = { argv: ['python3', '-c', 'while True: pass'], cpuMs: 1000, timeoutMs: 10_000 };
    const { result, elapsedMs } = await agent.exec(spin);
    // RLIMIT_CPU's SIGXCPU at the whole second, or the live CPU watch's SIGKILL just after it: whichever comes first.
    expect(result).toMatchObject({ cpuLimited: true, timedOut: false, exitCode: null });
    expect([24, 9]).toContain(result.signal);
    // RLIMIT_CPU is checked on scheduler ticks while rusage is exact: a few ms either side of the limit.
    expect(result.cpuMs).toBeGreaterThanOrEqual(850);
    expect(result.cpuMs).toBeLessThan(1500);
    expect(elapsedMs).toBeLessThan(10_000);
  });

  it('ends a program at a CPU limit below a second, long before RLIMIT_CPU’s whole second (the live CPU watch)', async () => {
    const spin = { argv: ['python3', '-c', 'while True: pass'], cpuMs: 300, timeoutMs: 10_000 };
    const { result } = await agent.exec(spin);
    expect(result).toMatchObject({ cpuLimited: true, timedOut: false, exitCode: null, signal: 9 });
    expect(result.cpuMs).toBeGreaterThan(300);
    expect(result.cpuMs).toBeLessThan(500); // read every 25 ms: one busy process overshoots by about that
  });

  it('counts the CPU of all the program’s live processes together against its limit', async () => {
    const { result, elapsedMs } = await agent.exec({ argv: ['sh', '-c', BUSY_FOUR], cpuMs: 1000, timeoutMs: 10_000 });
    expect(result).toMatchObject({ cpuLimited: true, timedOut: false });
    expect(result.cpuMs).toBeGreaterThan(1000);
    expect(result.cpuMs).toBeLessThan(1600); // four processes of RLIMIT_CPU's second each would be 4000 ms
    expect(result.wallMs).toBeLessThan(PROMPTLY_MS);
    expect(elapsedMs).toBeLessThan(PROMPTLY_MS);
  });

  it('reports the largest RSS of the program', async () => {
    const { result } = await agent.exec({ argv: ['python3', '-c', "b = b'x' * (64 << 20)"] });
    expect(result.exitCode).toBe(0);
    expect(result.maxRssBytes).toBeGreaterThanOrEqual(64 << 20);
  });

  describe('kiln-agent kept programs (keep=1, stop=<pid>: a session’s stateful contexts)', () => {
    const keep = async (script: string) => {
      const { result, elapsedMs } = await agent.exec({ argv: ['sh', '-c', script], keep: true });
      expect(result).toMatchObject({ exitCode: 0, execError: null });
      expect(elapsedMs).toBeLessThan(PROMPTLY_MS); // answered at once, not when it ends (never)
      return result.keptPid!;
    };

    it('keeps the program and what it starts across execs, while every exec’s own processes still die', async () => {
      const pid = await keep('sleep 300 & exec sleep 301');
      expect(pid).toBeGreaterThan(1);
      const plain = await agent.exec({ argv: ['sh', '-c', 'sleep 200 & setsid sleep 201 & echo done'] });
      expect(plain.stdout.toString()).toBe('done\n');
      const lines = await commandLines(agent);
      expect(lines).toEqual(expect.arrayContaining(['sleep 300', 'sleep 301']));
      expect(lines).not.toContain('sleep 200');
      expect(lines).not.toContain('sleep 201');
    });

    it('stop ends the kept program and everything of its session before the exec runs', async () => {
      const pid = await keep('sleep 300 & (sleep 302 &) ; exec sleep 301');
      const { result } = await agent.exec({ argv: ['true'], stop: pid });
      expect(result.exitCode).toBe(0);
      const lines = await commandLines(agent);
      expect(lines.filter((line) => line.startsWith('sleep 30'))).toEqual([]);
      // A pid that is no longer kept is not an error.
      expect((await agent.exec({ argv: ['true'], stop: pid })).result.exitCode).toBe(0);
    });

    it('once a kept program’s leader exits, what it left dies with the next exec', async () => {
      await keep('sleep 303 & exit 0');
      await new Promise((done) => setTimeout(done, 200));
      // Ended as the next exec starts (its leader is reaped then), not only at its end.
      expect(await commandLines(agent)).not.toContain('sleep 303');
    });

    it('ends an exec promptly although a kept program never reaps a child the exec’s end killed', async () => {
      // `sleep 100` leaves the kept session (setsid): the exec below kills it, and it stays a zombie of the kept shell.
      await keep('setsid sh -c ": > left-session; exec sleep 100" & exec sleep 1000');
      // Only once it has left the session (its marker): an exec before that would find it still kept, and leave it be.
      for (const deadline = Date.now() + 5000; !existsSync(join(agent.workspace, 'left-session')); ) {
        if (Date.now() > deadline) throw new Error('the sleeper did not leave the kept session within 5 s');
        await new Promise((done) => setTimeout(done, 10));
      }
      const { result, elapsedMs } = await agent.exec({ argv: ['true'] });
      expect(result.exitCode).toBe(0);
      expect(elapsedMs).toBeLessThan(PROMPTLY_MS);
      expect(await commandLines(agent)).not.toContain('sleep 100');
    });

    it('ends an exec promptly although a kept program holds its output pipe open', async () => {
      // The kept program grabs the stdout pipe of any other process (the exec below) and holds it.
      await keep('while :; do for f in /proc/[0-9]*/fd/1; do p=${f#/proc/}; p=${p%%/*}; [ "$p" = 1 ] || [ "$p" = $$ ] && continue; case $(readlink $f) in pipe:*) exec 9>>$f; exec sleep 1000;; esac; done; done');
      const { stdout, result, elapsedMs } = await agent.exec({ argv: ['sh', '-c', 'sleep 0.5; echo hi'] });
      expect(stdout.toString()).toBe('hi\n');
      expect(result.exitCode).toBe(0);
      expect(elapsedMs).toBeGreaterThanOrEqual(1500); // it did hold the pipe: the drain deadline ended the wait
      expect(elapsedMs).toBeLessThan(4000);
    });

    it(`keeps at most 8 programs (more is an X), and one that cannot be executed is not kept`, async () => {
      const lost = await agent.exec({ argv: ['/nonexistent/program'], keep: true });
      expect(lost.result).toMatchObject({ exitCode: 127 });
      expect(lost.result.execError).toMatch(/No such file/);
      expect(lost.result.keptPid).toBeUndefined();
      for (let i = 0; i < 8; i++) await keep(`exec sleep ${400 + i}`);
      agent.send(encodeExecFrame({ env: ENV, argv: ['sleep', '500'], keep: true }));
      await agent.expectError(/at most 8 programs are kept/);
    });

    it('refuses keep with collect', async () => {
      agent.send(encodeExecFrame({ env: ENV, argv: ['true'], keep: true, collect: true }));
      await agent.expectError(/keep and collect exclude each other/);
    });

    describe('measure_kept=<pid>: what a kept program used while an exec ran', () => {
      /** Idle until the workspace holds `spin`, then 64 MiB of memory and a busy loop for ever (a context's runaway run). */
      const SPINNER = 'import os, time\nwhile not os.path.exists("spin"): time.sleep(0.01)\nheld = b"x" * (64 << 20)\nwhile True: pass';
      /** The kept program's utime+stime so far, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
      const ticksOf = (pid: number) => `$(awk '{ print $14 + $15 }' /proc/${pid}/stat)`;

      it('reports its CPU during the exec alone and its peak memory, when the exec ends by itself', async () => {
        const pid = await keep(`exec python3 -c '${SPINNER}'`);
        const idle = await agent.exec({ argv: ['sleep', '0.2'], measureKept: pid });
        expect(idle.result.keptCpuMs).toBeLessThan(100); // polling for a file, and its start before this exec is not counted
        // Ends once the spinner has used 50 ticks (500 ms at USER_HZ 100) since it began, however loaded the machine is.
        const script = `touch spin; start=${ticksOf(pid)}; while [ $(( ${ticksOf(pid)} - start )) -lt 50 ]; do sleep 0.05; done`;
        const { result } = await agent.exec({ argv: ['sh', '-c', script], timeoutMs: 20_000, measureKept: pid });
        expect(result).toMatchObject({ exitCode: 0, timedOut: false });
        expect(result.keptCpuMs).toBeGreaterThanOrEqual(500);
        expect(result.keptCpuMs).toBeLessThanOrEqual(result.wallMs + 50); // one thread: no more than the wall time
        expect(result.keptMaxRssBytes).toBeGreaterThanOrEqual(64 << 20);
        expect(result.cpuMs).toBeLessThan(result.keptCpuMs!); // the exec's own processes are counted apart
      });

      it('reports it when the exec is stopped at its time limit, the kept program still busy', async () => {
        const pid = await keep(`exec python3 -c '${SPINNER}'`);
        const { result } = await agent.exec({ argv: ['sh', '-c', 'touch spin; sleep 30'], timeoutMs: 1500, measureKept: pid });
        expect(result.timedOut).toBe(true);
        // Busy for most of the 1.5 s (its 64 MiB written first), on a machine that may be loaded.
        expect(result.keptCpuMs).toBeGreaterThanOrEqual(300);
        expect(result.keptCpuMs).toBeLessThanOrEqual(result.wallMs + 50);
        expect(result.keptMaxRssBytes).toBeGreaterThanOrEqual(64 << 20);
        expect(result.cpuMs).toBeLessThan(100);
      });

      it('counts the kept program’s CPU against the exec’s cpu_ms: a busy one ends the exec at the limit, long before its time limit', async () => {
        const pid = await keep(`exec python3 -c '${SPINNER}'`);
        const { result, elapsedMs } = await agent.exec({ argv: ['sh', '-c', 'touch spin; sleep 30'], timeoutMs: 15_000, cpuMs: 500, measureKept: pid });
        expect(result).toMatchObject({ cpuLimited: true, timedOut: false });
        expect(result.keptCpuMs).toBeGreaterThan(500);
        expect(result.cpuMs).toBeLessThan(100); // the exec's own CPU is still its own
        expect(elapsedMs).toBeLessThan(PROMPTLY_MS + 2000); // its 64 MiB first, then about half a second busy
      });

      it('without the live CPU watch (KILN_AGENT_CPU_WATCH=off, which Kiln never sets) the kept program runs on to the time limit', async () => {
        const weakened = new AgentUnderTest({ env: { KILN_AGENT_CPU_WATCH: 'off' } });
        try {
          await weakened.hello();
          const kept = await weakened.exec({ argv: ['sh', '-c', `exec python3 -c '${SPINNER}'`], keep: true });
          const pid = kept.result.keptPid!;
          const { result } = await weakened.exec({ argv: ['sh', '-c', 'touch spin; sleep 30'], timeoutMs: 3000, cpuMs: 500, measureKept: pid });
          expect(result).toMatchObject({ cpuLimited: false, timedOut: true });
          expect(result.keptCpuMs).toBeGreaterThan(1000);
        } finally {
          await weakened.stop();
        }
      });

      it('says nothing of a pid that is not kept, or of a kept program that ended during the exec; keep excludes it', async () => {
        const plain = await agent.exec({ argv: ['true'], measureKept: 99999 });
        expect(plain.result).toMatchObject({ exitCode: 0 });
        expect(plain.result.keptCpuMs).toBeUndefined();
        expect(plain.result.keptMaxRssBytes).toBeUndefined();
        const pid = await keep('while [ ! -e quit ]; do sleep 0.01; done');
        const ended = await agent.exec({ argv: ['sh', '-c', 'touch quit; sleep 0.5'], measureKept: pid });
        expect(ended.result).toMatchObject({ exitCode: 0 });
        expect(ended.result.keptCpuMs).toBeUndefined();
        agent.send(encodeExecFrame({ env: ENV, argv: ['true'], keep: true, measureKept: pid }));
        await agent.expectError(/keep and measure_kept exclude each other/);
      });
    });
  });
});

describe('kiln-agent collecting as an unprivileged user (as in a sandbox)', () => {
  it('skips what the program made unreadable or unsearchable, and collects the rest', async () => {
    const agent = new AgentUnderTest({ uid: 65534 });
    try {
      await agent.hello();
      const script = [
        'echo secret > locked && chmod 000 locked',
        'mkdir closed && echo a > closed/a && chmod 000 closed',
        'mkdir listable && echo b > listable/b && chmod 600 listable', // names readable, not searchable
        'mkdir open && echo c > open/c',
      ].join(' && ');
      const { files, skipped, result } = await agent.exec({ argv: ['sh', '-c', script], collect: true, skippedMax: 10 });
      expect(result).toMatchObject({ exitCode: 0, collectError: null, skippedCount: 3 });
      expect(files.map((f) => f.name)).toEqual(['open/c']);
      expect(shown(skipped)).toEqual(['closed unreadable', 'listable unreadable', 'locked unreadable']);
    } finally {
      await agent.stop();
    }
  });
});

describe('kiln-agent’s live CPU watch switched off (KILN_AGENT_CPU_WATCH=off, which Kiln never sets)', () => {
  it('leaves the limit to RLIMIT_CPU per process: four busy processes use about four times cpuMs', async () => {
    const agent = new AgentUnderTest({ env: { KILN_AGENT_CPU_WATCH: 'off' } });
    try {
      await agent.hello();
      const { result } = await agent.exec({ argv: ['sh', '-c', BUSY_FOUR], cpuMs: 1000, timeoutMs: 10_000 });
      expect(result.cpuLimited).toBe(true); // decided afterwards, from the rusage
      // Each process has its own second. The reaped CPU passes the limit when the second process is
      // killed; the group goes then, the other two with what they had (≈ 3500 ms in all; less on a loaded
      // machine, never below the two whole seconds). The watch holds all four to 1600 ms (below).
      expect(result.cpuMs).toBeGreaterThan(2500);
    } finally {
      await agent.stop();
    }
  });
});

describe('kiln-agent when it is not PID 1', () => {
  it('counts the live CPU of the program’s session against its limit', async () => {
    const agent = new AgentUnderTest({ asPid1: false });
    try {
      await agent.hello();
      const { result } = await agent.exec({ argv: ['sh', '-c', BUSY_FOUR], cpuMs: 1000, timeoutMs: 10_000 });
      expect(result).toMatchObject({ cpuLimited: true, timedOut: false });
      expect(result.cpuMs).toBeGreaterThan(1000);
      expect(result.cpuMs).toBeLessThan(1600);
    } finally {
      await agent.stop();
    }
  });

  it('kills only the program\'s process group and still returns', async () => {
    const agent = new AgentUnderTest({ asPid1: false });
    try {
      await agent.hello();
      const script = 'sleep 100 & setsid sleep 101 & sleep 0.2; echo $$';
      const { stdout, result, elapsedMs } = await agent.exec({ argv: ['sh', '-c', script] });
      expect(result.exitCode).toBe(0);
      expect(stdout.toString()).not.toBe('1\n'); // the shell in front is PID 1, not the agent
      expect(elapsedMs).toBeLessThan(PROMPTLY_MS); // the escaped sleep holds the pipes until the drain deadline, not its 101 s
      const lines = await commandLines(agent);
      expect(lines).toContain('sleep 101'); // escaped with setsid: out of reach without kill(-1)
      expect(lines).not.toContain('sleep 100'); // same process group: killed
      expect(lines.some((line) => line.startsWith('sh -c "$@"; exit $?'))).toBe(true); // PID 1 survived
    } finally {
      await agent.stop();
    }
  });
});

/** Calls each io_uring syscall once and prints `name=return/errno`. */
const IO_URING_PROBE = `
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
static void report(const char *name, long ret) { printf("%s=%ld/%s\\n", name, ret, ret < 0 ? strerrorname_np(errno) : "-"); }
int main(void)
{
    unsigned char params[120];
    memset(params, 0, sizeof params);
    report("setup", syscall(SYS_io_uring_setup, 4, params));
    report("enter", syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0));
    report("register", syscall(SYS_io_uring_register, -1, 0, NULL, 0));
    return 0;
}
`;

describe('kiln-agent --inner (a nested sandbox’s agent)', () => {
  let probe: string;

  beforeAll(() => {
    probe = join(buildDir, 'io-uring-probe');
    execFileSync('gcc', ['-x', 'c', '-std=gnu11', '-static', '-o', probe, '-'], { input: IO_URING_PROBE, stdio: ['pipe', 'pipe', 'pipe'] });
  });

  const probeUnder = async (mode: string[]): Promise<string> => {
    const agent = new AgentUnderTest({ mode });
    try {
      await agent.hello();
      const { stdout, result } = await agent.exec({ argv: [probe] });
      expect(result.exitCode).toBe(0);
      return stdout.toString();
    } finally {
      await agent.stop();
    }
  };

  it('refuses io_uring (EPERM) to every program, where the plain agent leaves it to the kernel', async () => {
    // Without the inner filter this host's kernel hands out an io_uring (an fd), and the
    // other two calls reach it (they fail on the bad fd, not with EPERM).
    expect(await probeUnder([])).toMatch(/^setup=\d+\/-\nenter=-1\/E(?!PERM)[A-Z]+\nregister=-1\/E(?!PERM)[A-Z]+\n$/);
    expect(await probeUnder(['--inner'])).toBe('setup=-1/EPERM\nenter=-1/EPERM\nregister=-1/EPERM\n');
  });
});
