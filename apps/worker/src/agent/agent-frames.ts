/**
 * Worker side of the kiln-agent wire protocol (docs/agent-protocol.md, v1).
 * Pure encoding/decoding: no Docker, no Nest, so it can be tested byte by byte
 * against the real agent binary.
 */
import type { ExecutionOutcome } from '@kiln/tasks';

/** `u8 type | u32 length (big-endian)`. */
export const FRAME_HEADER_BYTES = 5;
/** The agent refuses anything longer (and exits), so never send it. */
export const MAX_FRAME_PAYLOAD_BYTES = 256 * 1024 * 1024;
/** Stdin is sent in pieces so one exec's input never needs one huge frame. */
export const MAX_STDIN_FRAME_BYTES = 1024 * 1024;
/**
 * The longest workspace path in an `F` frame, either way: the agent refuses
 * a longer name and never collects one (it skips it as `path_too_long`), so
 * whatever it collects can be written back. `MAX_NAME` in
 * images/agent/workspace.c is the same number.
 */
export const MAX_FILE_NAME_BYTES = 255;
export const AGENT_GREETING = 'kiln-agent 1';

// Worker → agent.
export const FRAME_FILE = 'F';
export const FRAME_STDIN = 'S';
export const FRAME_EXEC = 'E';
export const FRAME_QUIT = 'Q';
/** During an interactive exec: a chunk of the running program's stdin. */
export const FRAME_LIVE_STDIN = 'I';
/** During an interactive exec: the end of the running program's stdin. */
export const FRAME_STDIN_END = 'D';
/** During an interactive exec: a signal (its number, in decimal) to the running program. */
export const FRAME_SIGNAL = 'K';
/** The agent takes a live stdin frame only whole, in its 64 KiB input buffer (MAX_LIVE_STDIN in images/agent/agent.h). */
export const MAX_LIVE_STDIN_FRAME_BYTES = 32 * 1024;
/** An exec's nonce: letters, digits, `-` and `_`, at most 64 (MAX_NONCE in images/agent/agent.h). */
export const MAX_NONCE_LENGTH = 64;
/** Both ways: the agent echoes a ping's payload, proving it is alive and in sync. */
export const FRAME_PING = 'P';
/** The agent refuses longer ping payloads. */
export const MAX_PING_PAYLOAD_BYTES = 256;
// Agent → worker. `E` means exec on the way in and stderr on the way out.
export const FRAME_HELLO = 'H';
export const FRAME_STDOUT = 'O';
export const FRAME_STDERR = 'E';
export const FRAME_COLLECTED_FILE = 'F';
export const FRAME_RESULT = 'R';
export const FRAME_ERROR = 'X';
/** A workspace entry a collecting exec did not send back, and why. */
export const FRAME_SKIPPED = 'N';
/** The agent forwards output in pieces of at most 32 KiB; twice that is the most the worker accepts. */
export const MAX_OUTPUT_FRAME_BYTES = 64 * 1024;
/** `R` and `X` are a few lines of text (the agent's buffers are 1 KiB and 512 bytes). */
export const MAX_REPORT_FRAME_BYTES = 64 * 1024;
/**
 * `reason\0path`: a reason of a few letters and a path of at most a directory
 * within MAX_FILE_NAME_BYTES, a slash and a name (255 bytes at most).
 */
export const MAX_SKIPPED_FRAME_BYTES = 1024;
/** What the agent collects at most when an exec names no `collect_max_bytes`. */
export const DEFAULT_COLLECT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The agent's stream broke the protocol (a frame over its limit, an unknown
 * type, a malformed payload): it can no longer be trusted to be in sync.
 * The only error the decoding functions here throw.
 */
export class AgentProtocolError extends Error {
  /** From FrameDecoder.push: the whole frames that came before the break in the same chunk. */
  framesBefore: Frame[] = [];
}

export interface Frame {
  type: string;
  payload: Buffer;
}

export interface AgentExec {
  argv: string[];
  /** The program gets exactly these variables (include PATH). */
  env?: Record<string, string>;
  /** Relative to the workspace. */
  cwd?: string;
  timeoutMs?: number;
  cpuMs?: number;
  /** Cap on stdout + stderr forwarded, combined. */
  outputBytes?: number;
  fsizeBytes?: number;
  nofile?: number;
  /** Send the workspace's regular files back after a successful exit. */
  collect?: boolean;
  collectMaxBytes?: number;
  /** While collecting, name up to this many skipped entries in `N` frames (the agent's default: none). */
  skippedMax?: number;
  /**
   * Start the program in the background and keep it after this exec, and the
   * ones after it, until it exits or a later exec names it in `stop` (the
   * answer comes at once, with its pid): a session's stateful context.
   */
  keep?: boolean;
  /** Before this exec runs, end the kept program of this pid and everything of its session. */
  stop?: number;
  /**
   * The pid of a kept program whose use during this exec the answer reports
   * (keptCpuMs, keptMaxRssBytes): a context's interpreter, which says
   * nothing of its own when its run is stopped at a limit.
   */
  measureKept?: number;
  /** Keep the program's stdin open for live stdin (I), its end (D) and signals (K) while it runs. */
  interactive?: boolean;
  /** Echoed in the exec's R (and X): an answer without it was not the agent's. */
  nonce?: string;
}

export interface AgentFile {
  name: string;
  mode: number;
  content: Buffer;
}

/** How the program ended (exitCode is null when a signal killed it), plus what the agent measured. */
export interface AgentResult extends ExecutionOutcome {
  wallMs: number;
  cpuMs: number;
  maxRssBytes: number;
  /** Bytes the program wrote, including those dropped past the cap. */
  stdoutBytes: number;
  stderrBytes: number;
  collectError: string | null;
  /** Entries a collection skipped, whether or not an `N` frame named them. */
  skippedCount: number;
  execError: string | null;
  /** The pid of a kept program (an exec with `keep`), when it started. */
  keptPid?: number;
  /** With `measureKept`: the CPU the kept program's session used during the exec (absent when it was not kept, or ended). */
  keptCpuMs?: number;
  /** With `measureKept`: the kept program's peak resident memory so far. */
  keptMaxRssBytes?: number;
  /** The exec's nonce as the R echoed it (absent when the exec sent none). */
  nonce?: string;
  /** Set by the worker, never the agent: the exec ended because the program wrote into the agent's channel (why). */
  tampered?: string;
}

/** An entry a collection skipped: the path as the program named it (bytes), and the agent's reason. */
export interface SkippedEntry {
  reason: string;
  path: Buffer;
}

export function encodeFrame(type: string, payload: Buffer): Buffer {
  if (type.length !== 1) throw new Error(`frame type must be one character, got ${JSON.stringify(type)}`);
  if (payload.length > MAX_FRAME_PAYLOAD_BYTES) {
    throw new Error(`${type} frame of ${payload.length} bytes exceeds ${MAX_FRAME_PAYLOAD_BYTES}`);
  }
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.write(type, 0, 'latin1');
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/**
 * Mirrors the agent's check so a bad name fails here, with a clear message,
 * rather than as an `X` frame in the middle of a job.
 */
export function isValidWorkspacePath(name: string): boolean {
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes > MAX_FILE_NAME_BYTES || name.includes('\0') || name.startsWith('/')) return false;
  return name.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

export function encodeFileFrame(name: string, content: Buffer, mode = 0o644): Buffer {
  if (!isValidWorkspacePath(name)) throw new Error(`invalid workspace file name ${JSON.stringify(name)}`);
  return encodeFrame(FRAME_FILE, Buffer.concat([fileFrameHeader(Buffer.from(name), mode), content]));
}

function fileFrameHeader(name: Buffer, mode: number): Buffer {
  const header = Buffer.alloc(2 + name.length + 4);
  header.writeUInt16BE(name.length, 0);
  name.copy(header, 2);
  header.writeUInt32BE(mode >>> 0, 2 + name.length);
  return header;
}

export function encodeStdinFrames(data: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += MAX_STDIN_FRAME_BYTES) {
    frames.push(encodeFrame(FRAME_STDIN, data.subarray(offset, offset + MAX_STDIN_FRAME_BYTES)));
  }
  return frames;
}

export function encodeExecFrame(exec: AgentExec): Buffer {
  if (exec.argv.length === 0) throw new Error('exec needs at least argv[0]');
  const pairs: [string, string][] = exec.argv.map((arg) => ['arg', arg]);
  for (const [name, value] of Object.entries(exec.env ?? {})) pairs.push(['env', envEntry(name, value)]);
  if (exec.cwd !== undefined) pairs.push(['cwd', exec.cwd]);
  const numbers: [string, number | undefined][] = [
    ['timeout_ms', exec.timeoutMs],
    ['cpu_ms', exec.cpuMs],
    ['output_bytes', exec.outputBytes],
    ['fsize_bytes', exec.fsizeBytes],
    ['nofile', exec.nofile],
    ['collect_max_bytes', exec.collectMaxBytes],
    ['skipped_max', exec.skippedMax],
    ['stop', exec.stop],
    ['measure_kept', exec.measureKept],
  ];
  for (const [key, value] of numbers) if (value !== undefined) pairs.push([key, countText(key, value)]);
  if (exec.collect !== undefined) pairs.push(['collect', exec.collect ? '1' : '0']);
  if (exec.keep !== undefined) pairs.push(['keep', exec.keep ? '1' : '0']);
  if (exec.interactive !== undefined) pairs.push(['interactive', exec.interactive ? '1' : '0']);
  if (exec.nonce !== undefined) pairs.push(['nonce', nonceText(exec.nonce)]);
  return encodeFrame(FRAME_EXEC, Buffer.concat(pairs.flatMap(([key, value]) => [cString(key), cString(value)])));
}

function nonceText(nonce: string): string {
  if (!new RegExp(`^[A-Za-z0-9_-]{1,${MAX_NONCE_LENGTH}}$`).test(nonce)) throw new Error(`invalid exec nonce ${JSON.stringify(nonce)}`);
  return nonce;
}

/** Live stdin for an interactive exec, in frames the agent takes whole. */
export function encodeLiveStdinFrames(data: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += MAX_LIVE_STDIN_FRAME_BYTES) {
    frames.push(encodeFrame(FRAME_LIVE_STDIN, data.subarray(offset, offset + MAX_LIVE_STDIN_FRAME_BYTES)));
  }
  return frames;
}

export function encodeStdinEndFrame(): Buffer {
  return encodeFrame(FRAME_STDIN_END, Buffer.alloc(0));
}

export function encodeSignalFrame(signal: number): Buffer {
  if (!Number.isInteger(signal) || signal < 1 || signal > 64) throw new Error(`signal must be 1 to 64, got ${signal}`);
  return encodeFrame(FRAME_SIGNAL, Buffer.from(String(signal)));
}

/**
 * The text of an `X` that answers an exec sent with `nonce`: null when it does
 * not start with that nonce's line (it was not the agent's answer).
 */
export function refusalOfExec(payload: Buffer, nonce: string): string | null {
  const prefix = `nonce=${nonce}\n`;
  const text = payload.toString('utf8');
  return text.startsWith(prefix) ? text.slice(prefix.length) : null;
}

function envEntry(name: string, value: string): string {
  if (name === '' || name.includes('=')) throw new Error(`invalid environment variable name ${JSON.stringify(name)}`);
  return `${name}=${value}`;
}

function countText(key: string, value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${key} must be a non-negative integer, got ${value}`);
  return String(value);
}

/** A NUL inside would silently split one argument into a key and a value. */
function cString(text: string): Buffer {
  if (text.includes('\0')) throw new Error(`exec strings must not contain NUL: ${JSON.stringify(text)}`);
  return Buffer.from(`${text}\0`);
}

export function encodeQuitFrame(): Buffer {
  return encodeFrame(FRAME_QUIT, Buffer.alloc(0));
}

export function encodePingFrame(payload: Buffer): Buffer {
  if (payload.length > MAX_PING_PAYLOAD_BYTES) throw new Error(`ping payload of ${payload.length} bytes exceeds ${MAX_PING_PAYLOAD_BYTES}`);
  return encodeFrame(FRAME_PING, payload);
}

/** The largest payload accepted for a frame type; null: a type that must never arrive. */
export type FrameLimit = (type: string) => number | null;

/**
 * The largest payload of each of the agent's replies (docs/agent-protocol.md):
 * small frames but for a collected file, which is at most `collectMaxBytes`
 * (null: no exec is collecting, so no `F` or `N` may come). Null for a type
 * the agent never sends.
 */
export function agentReplyLimit(type: string, collectMaxBytes: number | null): number | null {
  switch (type) {
    case FRAME_HELLO:
    case FRAME_PING:
      return MAX_PING_PAYLOAD_BYTES;
    case FRAME_STDOUT:
    case FRAME_STDERR:
      return MAX_OUTPUT_FRAME_BYTES;
    case FRAME_RESULT:
    case FRAME_ERROR:
      return MAX_REPORT_FRAME_BYTES;
    case FRAME_COLLECTED_FILE:
      return collectMaxBytes === null ? 0 : Math.min(MAX_FRAME_PAYLOAD_BYTES, 2 + MAX_FILE_NAME_BYTES + 4 + collectMaxBytes);
    case FRAME_SKIPPED:
      return collectMaxBytes === null ? 0 : MAX_SKIPPED_FRAME_BYTES;
    default:
      return null;
  }
}

/**
 * Reassembles frames from arbitrarily split chunks. A frame's length is
 * checked against its type's limit as soon as its header is in, so no more
 * than one frame's allowed size (plus the chunk it came in) is ever held.
 * After it throws (an AgentProtocolError) the stream is out of sync and must
 * be abandoned (the error carries the frames that preceded the break).
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly limitOf: FrameLimit;

  constructor(limit: number | FrameLimit = MAX_FRAME_PAYLOAD_BYTES) {
    this.limitOf = typeof limit === 'number' ? () => limit : limit;
  }

  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    try {
      for (let size = this.nextFrameSize(); size !== null && size <= this.buffered; size = this.nextFrameSize()) {
        const frame = this.take(size);
        frames.push({ type: String.fromCharCode(frame[0]), payload: frame.subarray(FRAME_HEADER_BYTES) });
      }
    } catch (error) {
      // However the stream was split, the frames before the break are the same.
      if (error instanceof AgentProtocolError) error.framesBefore = frames;
      throw error;
    }
    return frames;
  }

  /** Bytes held for a frame that hasn't fully arrived yet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private nextFrameSize(): number | null {
    if (this.buffered < FRAME_HEADER_BYTES) return null;
    const header = this.peekHeader();
    const type = String.fromCharCode(header[0]);
    const length = header.readUInt32BE(1);
    const limit = this.limitOf(type);
    if (limit === null) throw new AgentProtocolError(`agent frame of unknown type ${JSON.stringify(type)}`);
    if (length > limit) throw new AgentProtocolError(`agent frame ${JSON.stringify(type)} of ${length} bytes exceeds ${limit}`);
    return FRAME_HEADER_BYTES + length;
  }

  private peekHeader(): Buffer {
    if (this.chunks[0].length < FRAME_HEADER_BYTES) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }

  private take(size: number): Buffer {
    if (this.chunks[0].length < size) this.chunks = [Buffer.concat(this.chunks)];
    const first = this.chunks[0];
    if (first.length === size) this.chunks.shift();
    else this.chunks[0] = first.subarray(size);
    this.buffered -= size;
    return first.subarray(0, size);
  }
}

/** A file the agent sent back from the workspace, its name the bytes the program chose. */
export interface CollectedFile {
  name: Buffer;
  mode: number;
  content: Buffer;
}

/** Throws on a malformed frame; the name is left as bytes (the caller decides what a name may be). */
export function decodeCollectedFile(payload: Buffer): CollectedFile {
  if (payload.length < 6) throw new AgentProtocolError(`F frame of ${payload.length} bytes is too short`);
  const nameLength = payload.readUInt16BE(0);
  if (2 + nameLength + 4 > payload.length) throw new AgentProtocolError('F frame name overruns the frame');
  return {
    name: payload.subarray(2, 2 + nameLength),
    mode: payload.readUInt32BE(2 + nameLength),
    content: payload.subarray(2 + nameLength + 4),
  };
}

/** Throws on a malformed frame: a reason of lowercase letters, digits and `_`, a NUL, a path. */
export function decodeSkippedEntry(payload: Buffer): SkippedEntry {
  const nul = payload.indexOf(0);
  const reason = nul < 0 ? '' : payload.toString('latin1', 0, nul);
  if (!/^[a-z0-9_]{1,31}$/.test(reason) || nul + 1 === payload.length) {
    throw new AgentProtocolError(`N frame is not reason\\0path: ${JSON.stringify(payload.subarray(0, 40).toString('latin1'))}`);
  }
  return { reason, path: payload.subarray(nul + 1) };
}

// Fatal so two different byte names can't decode to the same string.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of `bytes` when they are valid UTF-8, else null. */
export function strictUtf8Text(bytes: Buffer): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Throws on a malformed frame or a name that isn't valid UTF-8. */
export function decodeFileFrame(payload: Buffer): AgentFile {
  const file = decodeCollectedFile(payload);
  const name = strictUtf8Text(file.name);
  if (name === null) throw new AgentProtocolError('F frame name is not valid UTF-8');
  return { name, mode: file.mode, content: file.content };
}

/** The range of each number in `R` (docs/agent-protocol.md); a count is at most what a double holds exactly. */
const COUNT: [number, number] = [0, Number.MAX_SAFE_INTEGER];
const FLAG: [number, number] = [0, 1];
const RESULT_NUMBERS = {
  exit_code: [-1, 255],
  signal: [0, 127],
  timed_out: FLAG,
  cpu_limited: FLAG,
  output_limited: FLAG,
  oom_killed: FLAG,
  wall_ms: COUNT,
  cpu_ms: COUNT,
  max_rss_kb: [0, Math.floor(Number.MAX_SAFE_INTEGER / 1024)],
  stdout_bytes: COUNT,
  stderr_bytes: COUNT,
} satisfies Record<string, [number, number]>;

export function parseResult(payload: Buffer): AgentResult {
  const fields = parseKeyValueLines(payload.toString('utf8'));
  const number = Object.fromEntries(Object.entries(RESULT_NUMBERS).map(([key, range]) => [key, requireInteger(fields, key, range)])) as Record<
    keyof typeof RESULT_NUMBERS,
    number
  >;
  return {
    exitCode: number.exit_code < 0 ? null : number.exit_code,
    signal: number.signal === 0 ? null : number.signal,
    timedOut: number.timed_out === 1,
    cpuLimited: number.cpu_limited === 1,
    outputLimited: number.output_limited === 1,
    oomKilled: number.oom_killed === 1,
    wallMs: number.wall_ms,
    cpuMs: number.cpu_ms,
    maxRssBytes: number.max_rss_kb * 1024,
    stdoutBytes: number.stdout_bytes,
    stderrBytes: number.stderr_bytes,
    collectError: fields.get('collect_error') || null,
    // Absent from an exec that did not collect with an agent older than the key.
    skippedCount: fields.has('skipped') ? requireInteger(fields, 'skipped', COUNT) : 0,
    execError: fields.get('exec_error') || null,
    // Only the answer to an exec that keeps its program carries a pid.
    ...(fields.has('pid') ? { keptPid: requireInteger(fields, 'pid', [1, 2 ** 31 - 1]) } : {}),
    // Only the answer to an exec that measured a kept program, and only what it could read.
    ...(fields.has('kept_cpu_ms') ? { keptCpuMs: requireInteger(fields, 'kept_cpu_ms', COUNT) } : {}),
    ...(fields.has('kept_max_rss_kb') ? { keptMaxRssBytes: requireInteger(fields, 'kept_max_rss_kb', RESULT_NUMBERS.max_rss_kb) * 1024 } : {}),
    ...(fields.has('nonce') ? { nonce: fields.get('nonce') } : {}),
  };
}

function parseKeyValueLines(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const equals = line.indexOf('=');
    if (equals > 0) fields.set(line.slice(0, equals), line.slice(equals + 1));
  }
  return fields;
}

function requireInteger(fields: Map<string, string>, key: string, [min, max]: [number, number]): number {
  const text = fields.get(key);
  // At most 16 digits: longer decimals are past MAX_SAFE_INTEGER and would round.
  const value = text !== undefined && /^-?\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new AgentProtocolError(`agent result has no integer ${key} in [${min}, ${max}]: ${JSON.stringify(text)}`);
  }
  return value;
}
