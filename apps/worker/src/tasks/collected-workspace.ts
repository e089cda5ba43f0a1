import { MAX_SKIPPED_LISTED, SkippedPath, SkippedPaths, SkipReason } from '@kiln/tasks';
import { AgentFile, CollectedFile, isValidWorkspacePath, MAX_FILE_NAME_BYTES, SkippedEntry, strictUtf8Text } from '../agent/agent-frames';

/** What of a compile's workspace travels to its run tasks, and what does not (and why). */
export interface KeptWorkspace {
  files: AgentFile[];
  skipped?: SkippedPaths;
}

/** What the agent's collection skipped: the entries it named, and how many there were in all. */
export interface AgentSkips {
  entries: SkippedEntry[];
  count: number;
}

/** Longest path shown in a note, in characters (a skipped path may be far longer). */
const SHOWN_PATH_CHARS = 300;

/** The agent's reasons (docs/agent-protocol.md); one it might add later is shown as `invalid_name`. */
const AGENT_REASONS: Record<string, SkipReason> = {
  path_too_long: 'path_too_long',
  too_deep: 'too_deep',
  not_utf8: 'not_utf8',
  symlink: 'symlink',
  fifo: 'fifo',
  socket: 'socket',
  device: 'device',
  unreadable: 'unreadable',
  empty_directory: 'empty_directory',
};

/**
 * Every file the agent sent back either becomes an artifact file the next
 * sandbox's agent will accept (a valid, unique name that no other file
 * uses as a directory) or is skipped with its reason; so is every entry the
 * agent skipped. The agent sends only names that pass (it applies the same
 * rules), so the worker's checks are a second line: nothing a program names
 * its files can make this throw.
 */
export function keptWorkspace(collected: CollectedFile[], agentSkips: AgentSkips): KeptWorkspace {
  const skips = new SkipList(agentSkips.count - agentSkips.entries.length);
  for (const entry of agentSkips.entries) skips.add(entry.path, Object.hasOwn(AGENT_REASONS, entry.reason) ? AGENT_REASONS[entry.reason] : 'invalid_name');
  const files = new ArtifactNames();
  const kept: AgentFile[] = [];
  for (const file of collected) {
    const name = strictUtf8Text(file.name);
    const problem = name === null ? 'not_utf8' : files.problemWith(name);
    if (problem) skips.add(file.name, problem);
    else kept.push({ name: name!, mode: file.mode, content: file.content });
  }
  return { files: kept, ...skips.result() };
}

/** Names already in the artifact, and the directories they imply. */
class ArtifactNames {
  private readonly files = new Set<string>();
  private readonly directories = new Set<string>();

  /** Why `name` cannot join the artifact, or null (then it has joined). */
  problemWith(name: string): SkipReason | null {
    if (!isValidWorkspacePath(name)) return Buffer.byteLength(name) > MAX_FILE_NAME_BYTES ? 'path_too_long' : 'invalid_name';
    const parents = parentsOf(name);
    if (this.files.has(name) || this.directories.has(name) || parents.some((p) => this.files.has(p))) return 'invalid_name';
    this.files.add(name);
    for (const parent of parents) this.directories.add(parent);
    return null;
  }
}

function parentsOf(name: string): string[] {
  const parents: string[] = [];
  for (let slash = name.indexOf('/'); slash >= 0; slash = name.indexOf('/', slash + 1)) parents.push(name.slice(0, slash));
  return parents;
}

/** Skipped paths, each once, and how many more the agent skipped without naming them. */
class SkipList {
  private readonly reasons = new Map<string, SkipReason>();

  constructor(private readonly unnamed: number) {}

  add(path: Buffer, reason: SkipReason): void {
    this.reasons.set(path.toString('latin1'), reason);
  }

  result(): { skipped?: SkippedPaths } {
    if (this.reasons.size === 0 && this.unnamed <= 0) return {};
    const entries: SkippedPath[] = [...this.reasons]
      .slice(0, MAX_SKIPPED_LISTED)
      .map(([path, reason]) => ({ path: shownPath(Buffer.from(path, 'latin1')), reason }));
    return { skipped: { entries, truncated: this.unnamed > 0 || this.reasons.size > MAX_SKIPPED_LISTED } };
  }
}

/**
 * A path as text that says exactly which bytes it had: valid UTF-8 as it is,
 * and `\xNN` for every other byte, every control character and the backslash.
 */
export function shownPath(bytes: Buffer): string {
  let text = '';
  let i = 0;
  while (i < bytes.length && text.length < SHOWN_PATH_CHARS) {
    const length = utf8SequenceLength(bytes, i);
    const char = length > 0 ? bytes.toString('utf8', i, i + length) : '';
    const escaped = length === 0 || /[\p{Cc}\\]/u.test(char);
    text += escaped ? `\\x${bytes[i].toString(16).padStart(2, '0')}` : char;
    i += escaped ? 1 : length;
  }
  return i < bytes.length ? `${text}…` : text;
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there does not start one. */
function utf8SequenceLength(bytes: Buffer, i: number): number {
  const lead = bytes[i];
  const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  if (length <= 1 || i + length > bytes.length) return length === 1 ? 1 : 0;
  return strictUtf8Text(bytes.subarray(i, i + length)) === null ? 0 : length;
}
