import {
  AGENT_GREETING,
  agentReplyLimit,
  AgentProtocolError,
  decodeFileFrame,
  decodeSkippedEntry,
  encodeExecFrame,
  encodeFileFrame,
  encodeFrame,
  encodeQuitFrame,
  encodeStdinFrames,
  FRAME_EXEC,
  FRAME_FILE,
  FRAME_HELLO,
  FRAME_QUIT,
  FRAME_RESULT,
  FRAME_SKIPPED,
  FRAME_STDIN,
  FRAME_STDOUT,
  FrameDecoder,
  isValidWorkspacePath,
  MAX_SKIPPED_FRAME_BYTES,
  MAX_STDIN_FRAME_BYTES,
  parseResult,
} from './agent-frames';

function decodeAll(bytes: Buffer): { type: string; payload: Buffer }[] {
  return new FrameDecoder().push(bytes);
}

/** The E payload as [key, value] pairs, the way the agent reads it. */
function execPairs(frame: Buffer): [string, string][] {
  const strings = frame.subarray(5).toString('utf8').split('\0');
  expect(strings.pop()).toBe(''); // payload ends with NUL
  const pairs: [string, string][] = [];
  for (let i = 0; i < strings.length; i += 2) pairs.push([strings[i], strings[i + 1]]);
  return pairs;
}

describe('agent frame encoding', () => {
  it('writes type, big-endian length, payload', () => {
    expect(encodeFrame('S', Buffer.from('hi'))).toEqual(Buffer.from([0x53, 0, 0, 0, 2, 0x68, 0x69]));
    expect(encodeQuitFrame()).toEqual(Buffer.from([0x51, 0, 0, 0, 0]));
  });

  it('round-trips a file frame', () => {
    const content = Buffer.from([0, 1, 2, 255, 0x52, 0, 0, 0, 1]);
    const [frame] = decodeAll(encodeFileFrame('dir/sub/main.c', content, 0o755));
    expect(frame.type).toBe(FRAME_FILE);
    expect(decodeFileFrame(frame.payload)).toEqual({ name: 'dir/sub/main.c', mode: 0o755, content });
  });

  it('defaults the file mode to 0644 and encodes UTF-8 names by bytes', () => {
    const [frame] = decodeAll(encodeFileFrame('é.txt', Buffer.alloc(0)));
    expect(frame.payload.readUInt16BE(0)).toBe(Buffer.byteLength('é.txt'));
    expect(decodeFileFrame(frame.payload)).toMatchObject({ name: 'é.txt', mode: 0o644 });
  });

  const badNames = ['', '/etc/passwd', '../x', 'a/../b', 'a//b', 'a/', './a', 'a\0b', 'x'.repeat(256)];
  it.each(badNames.map((name) => [name.length > 20 ? `${name.length} x's` : JSON.stringify(name), name]))(
    'refuses the workspace path %s',
    (_label, name) => {
      expect(isValidWorkspacePath(name)).toBe(false);
      expect(() => encodeFileFrame(name, Buffer.alloc(0))).toThrow(/invalid workspace file name/);
    },
  );

  it('accepts dotted names that are not . or ..', () => {
    for (const name of ['.hidden', 'a/..b', '...', 'x'.repeat(255)]) expect(isValidWorkspacePath(name)).toBe(true);
  });

  it('splits stdin into frames of at most 1 MiB', () => {
    const data = Buffer.alloc(2 * MAX_STDIN_FRAME_BYTES + 10, 7);
    const frames = encodeStdinFrames(data);
    expect(frames.map((f) => f.length - 5)).toEqual([MAX_STDIN_FRAME_BYTES, MAX_STDIN_FRAME_BYTES, 10]);
    const decoded = decodeAll(Buffer.concat(frames));
    expect(decoded.every((f) => f.type === FRAME_STDIN)).toBe(true);
    // Buffer.equals: jest's deep equality walks megabytes element by element.
    expect(Buffer.concat(decoded.map((f) => f.payload)).equals(data)).toBe(true);
    expect(encodeStdinFrames(Buffer.alloc(0))).toEqual([]);
  });

  it('encodes an exec as NUL-terminated key/value pairs', () => {
    const frame = encodeExecFrame({
      argv: ['sh', '-c', 'echo $X'],
      env: { PATH: '/usr/bin:/bin', X: 'a=b' },
      cwd: 'src',
      timeoutMs: 500,
      cpuMs: 1000,
      outputBytes: 10,
      fsizeBytes: 20,
      nofile: 30,
      collect: true,
      collectMaxBytes: 40,
      skippedMax: 50,
    });
    expect(frame[0]).toBe(FRAME_EXEC.charCodeAt(0));
    expect(execPairs(frame)).toEqual([
      ['arg', 'sh'],
      ['arg', '-c'],
      ['arg', 'echo $X'],
      ['env', 'PATH=/usr/bin:/bin'],
      ['env', 'X=a=b'],
      ['cwd', 'src'],
      ['timeout_ms', '500'],
      ['cpu_ms', '1000'],
      ['output_bytes', '10'],
      ['fsize_bytes', '20'],
      ['nofile', '30'],
      ['collect_max_bytes', '40'],
      ['skipped_max', '50'],
      ['collect', '1'],
    ]);
  });

  it('names the kept program an exec measures (measure_kept), as a pid', () => {
    expect(execPairs(encodeExecFrame({ argv: ['true'], measureKept: 42 }))).toEqual([
      ['arg', 'true'],
      ['measure_kept', '42'],
    ]);
  });

  it('leaves unset options to the agent defaults and keeps empty arguments', () => {
    expect(execPairs(encodeExecFrame({ argv: ['true', ''] }))).toEqual([
      ['arg', 'true'],
      ['arg', ''],
    ]);
  });

  it('rejects NUL in argv, env and cwd', () => {
    expect(() => encodeExecFrame({ argv: ['a\0b'] })).toThrow(/NUL/);
    expect(() => encodeExecFrame({ argv: ['x'], env: { A: 'b\0c' } })).toThrow(/NUL/);
    expect(() => encodeExecFrame({ argv: ['x'], env: { 'A\0': 'b' } })).toThrow(/NUL/);
    expect(() => encodeExecFrame({ argv: ['x'], cwd: 'a\0' })).toThrow(/NUL/);
  });

  it('rejects an empty argv, bad env names and non-integer limits', () => {
    expect(() => encodeExecFrame({ argv: [] })).toThrow(/argv/);
    expect(() => encodeExecFrame({ argv: ['x'], env: { 'A=B': 'c' } })).toThrow(/variable name/);
    expect(() => encodeExecFrame({ argv: ['x'], env: { '': 'c' } })).toThrow(/variable name/);
    expect(() => encodeExecFrame({ argv: ['x'], timeoutMs: -1 })).toThrow(/timeout_ms/);
    expect(() => encodeExecFrame({ argv: ['x'], cpuMs: 1.5 })).toThrow(/cpu_ms/);
    expect(() => encodeExecFrame({ argv: ['x'], outputBytes: NaN })).toThrow(/output_bytes/);
  });
});

describe('FrameDecoder', () => {
  const stream = Buffer.concat([
    encodeFrame(FRAME_HELLO, Buffer.from(AGENT_GREETING)),
    encodeFrame(FRAME_STDOUT, Buffer.from([0x52, 0, 0, 0, 3, 0x41])), // looks like a frame: still payload
    encodeFrame(FRAME_STDOUT, Buffer.alloc(0)),
    encodeFrame(FRAME_RESULT, Buffer.from('exit_code=0\n')),
    encodeQuitFrame(),
  ]);
  const expected = decodeAll(stream);

  it('decodes back-to-back frames from one chunk', () => {
    expect(expected.map((f) => f.type)).toEqual([FRAME_HELLO, FRAME_STDOUT, FRAME_STDOUT, FRAME_RESULT, FRAME_QUIT]);
    expect(expected[1].payload).toEqual(Buffer.from([0x52, 0, 0, 0, 3, 0x41]));
    expect(expected[2].payload.length).toBe(0);
  });

  it('gives the same frames however the stream is split in two', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder();
      const frames = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      expect(frames).toEqual(expected);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  it('gives the same frames when fed one byte at a time', () => {
    const decoder = new FrameDecoder();
    const frames = [...stream].flatMap((byte) => decoder.push(Buffer.from([byte])));
    expect(frames).toEqual(expected);
  });

  it('keeps a partial frame until the rest arrives', () => {
    const decoder = new FrameDecoder();
    const frame = encodeFrame(FRAME_STDOUT, Buffer.from('hello'));
    expect(decoder.push(frame.subarray(0, 7))).toEqual([]);
    expect(decoder.pendingBytes).toBe(7);
    expect(decoder.push(frame.subarray(7))).toEqual([{ type: FRAME_STDOUT, payload: Buffer.from('hello') }]);
  });

  it('hands over the whole frames that came before a broken one in the same chunk', () => {
    const hello = encodeFrame(FRAME_HELLO, Buffer.from(AGENT_GREETING));
    const error = (() => {
      try {
        new FrameDecoder(16).push(Buffer.concat([hello, Buffer.from([0x4f, 0, 0, 0, 17])]));
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(AgentProtocolError);
    expect((error as AgentProtocolError).framesBefore).toEqual([{ type: FRAME_HELLO, payload: Buffer.from(AGENT_GREETING) }]);
  });

  it('throws on a frame longer than its maximum, as soon as the header is in', () => {
    const decoder = new FrameDecoder(16);
    expect(decoder.push(encodeFrame(FRAME_STDOUT, Buffer.alloc(16)))).toHaveLength(1);
    const header = Buffer.from([0x4f, 0, 0, 0, 17]);
    expect(() => decoder.push(header)).toThrow(/17 bytes exceeds 16/);
  });
});

describe('decodeFileFrame', () => {
  it('rejects truncated frames and non-UTF-8 names', () => {
    expect(() => decodeFileFrame(Buffer.from([0, 1]))).toThrow(/too short/);
    expect(() => decodeFileFrame(Buffer.from([0, 9, 0x61, 0, 0, 0, 0]))).toThrow(/overruns/);
    expect(() => decodeFileFrame(Buffer.from([0, 1, 0xff, 0, 0, 1, 0xa4]))).toThrow(/UTF-8/);
  });
});

describe('decodeSkippedEntry', () => {
  it('reads reason\\0path, the path as bytes (any but NUL)', () => {
    const path = Buffer.from([0x64, 0xfe, 0x2f, 0x0a, 0x5c]);
    const [frame] = decodeAll(encodeFrame(FRAME_SKIPPED, Buffer.concat([Buffer.from('not_utf8\0'), path])));
    expect(decodeSkippedEntry(frame.payload)).toEqual({ reason: 'not_utf8', path });
  });

  it('refuses a frame without a reason, a NUL or a path, and a reason that is not a short word', () => {
    for (const payload of ['symlink', 'symlink\0', '\0path', 'Symlink\0p', 'sym link\0p', `${'r'.repeat(32)}\0p`]) {
      expect(() => decodeSkippedEntry(Buffer.from(payload))).toThrow(AgentProtocolError);
    }
  });

  it('is allowed only while an exec collects, and never longer than a reason and two names', () => {
    expect(agentReplyLimit(FRAME_SKIPPED, null)).toBe(0);
    expect(agentReplyLimit(FRAME_SKIPPED, 1024)).toBe(MAX_SKIPPED_FRAME_BYTES);
    expect(MAX_SKIPPED_FRAME_BYTES).toBeGreaterThanOrEqual('empty_directory'.length + 1 + 255 + 1 + 255);
  });
});

describe('parseResult', () => {
  const line = (fields: Record<string, string | number>) =>
    Buffer.from(Object.entries(fields).map(([k, v]) => `${k}=${v}\n`).join(''));
  const base = {
    exit_code: 3,
    signal: 0,
    timed_out: 0,
    cpu_limited: 0,
    output_limited: 0,
    oom_killed: 0,
    wall_ms: 12,
    cpu_ms: 5,
    max_rss_kb: 1504,
    stdout_bytes: 6,
    stderr_bytes: 4,
    collect_error: '',
    exec_error: '',
  };

  it('types a normal exit', () => {
    expect(parseResult(line(base))).toEqual({
      exitCode: 3,
      signal: null,
      timedOut: false,
      cpuLimited: false,
      outputLimited: false,
      oomKilled: false,
      wallMs: 12,
      cpuMs: 5,
      maxRssBytes: 1504 * 1024,
      stdoutBytes: 6,
      stderrBytes: 4,
      collectError: null,
      skippedCount: 0,
      execError: null,
    });
  });

  it('reads how many entries a collection skipped (0 when the agent does not say)', () => {
    expect(parseResult(line({ ...base, skipped: 6001 })).skippedCount).toBe(6001);
    expect(() => parseResult(line({ ...base, skipped: -1 }))).toThrow(/skipped/);
    expect(() => parseResult(line({ ...base, skipped: '' }))).toThrow(/skipped/);
  });

  it('reads what an exec measured of a kept program only when the agent says it, and checks its range', () => {
    expect(parseResult(line({ ...base, kept_cpu_ms: 987, kept_max_rss_kb: 70000 }))).toMatchObject({ keptCpuMs: 987, keptMaxRssBytes: 70000 * 1024 });
    const plain = parseResult(line(base));
    expect('keptCpuMs' in plain || 'keptMaxRssBytes' in plain).toBe(false);
    expect(() => parseResult(line({ ...base, kept_cpu_ms: -1 }))).toThrow(/kept_cpu_ms/);
    expect(() => parseResult(line({ ...base, kept_max_rss_kb: '9007199254740991' }))).toThrow(/kept_max_rss_kb/);
  });

  it('types a signalled, limited run with errors', () => {
    const result = parseResult(
      line({
        ...base,
        exit_code: -1,
        signal: 9,
        timed_out: 1,
        cpu_limited: 1,
        output_limited: 1,
        oom_killed: 1,
        collect_error: 'too_large',
        exec_error: 'No such file or directory',
        future_key: 'ignored',
      }),
    );
    expect(result).toMatchObject({
      exitCode: null,
      signal: 9,
      timedOut: true,
      cpuLimited: true,
      outputLimited: true,
      oomKilled: true,
      collectError: 'too_large',
      execError: 'No such file or directory',
    });
  });

  it('throws when a number is missing or malformed', () => {
    const { wall_ms: _omitted, ...missing } = base;
    expect(() => parseResult(line(missing))).toThrow(/wall_ms/);
    expect(() => parseResult(line({ ...base, cpu_ms: 'x' }))).toThrow(/cpu_ms/);
  });

  it('throws on a number out of its range: no count past 2^53, no negative count, flags 0 or 1', () => {
    for (const [key, value] of [
      ['exit_code', '9007199254740993'],
      ['exit_code', '-2'],
      ['wall_ms', '-5'],
      ['stdout_bytes', '99999999999999999999'],
      ['max_rss_kb', '9007199254740991'],
      ['timed_out', '2'],
    ]) {
      expect(() => parseResult(line({ ...base, [key]: value }))).toThrow(AgentProtocolError);
    }
  });
});
