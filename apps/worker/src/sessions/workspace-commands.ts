import { SessionFileEntry, SessionFileType } from '@kiln/tasks';
import { AgentExec } from '../agent/agent-frames';

/**
 * The commands a session's files API runs in its sandbox (GNU find, cat, rm:
 * in every image, since every image is FROM kiln/base), and how their output
 * reads. A path is reached only by find's own walk from the workspace, which
 * never follows a symbolic link (-P, its default) and goes down no other
 * directory than the path's ancestors (all else is pruned): a link planted
 * anywhere, the path's own parents included, is listed as a link, never
 * walked through, read, written or deleted through. The paths come checked
 * (letters, digits, `_`, `-`, `.`, no `..`: the job file name rule), so none
 * holds a pattern character of -path.
 */

/** A listing entry as find prints it: type letter, size, modification time (s), path; NUL-ended. */
const ENTRY_FORMAT = '%y %s %T@ %P\\0';
/** Printed for the directory a listing lists, so that an empty one is told from a missing one. */
const LISTED_DIRECTORY = 'D\\0';
/** A path's own type and size, on a line before its content. */
const HEAD_FORMAT = '%y %s\\n';

const TYPES: Record<string, SessionFileType> = { f: 'file', d: 'directory', l: 'symlink' };

/** `./a`, `./a/b` for `a/b/c`: what the walk may go down to reach it. */
function ancestorsOf(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, index) => `./${parts.slice(0, index + 1).join('/')}`);
}

/** find from the workspace down to `path` only, running `action` on it (action must end true to stop the walk there). */
function walkTo(path: string, action: string[]): string[] {
  const ancestors = ancestorsOf(path).flatMap((ancestor, index) => (index ? ['-o', '-path', ancestor] : ['-path', ancestor]));
  const descend = ancestors.length ? ['(', ...ancestors, ')', '-o'] : [];
  return ['find', '.', '-mindepth', '1', '(', '-path', `./${path}`, ...action, '-prune', ')', '-o', ...descend, '-prune'];
}

/** What a path is (its type and size), without following a link: one `HEAD_FORMAT` line, or nothing. */
export function statExec(path: string): AgentExec {
  return { argv: walkTo(path, ['-printf', HEAD_FORMAT]), timeoutMs: 10_000 };
}

/** A regular file's type and size, then (only if it is one) its bytes. */
export function readExec(path: string, maxBytes: number): AgentExec {
  return {
    argv: walkTo(path, ['-printf', HEAD_FORMAT, '(', '-type', 'f', '-exec', 'cat', '--', '{}', ';', '-o', '-true', ')']),
    timeoutMs: 60_000,
    outputBytes: maxBytes + 64,
  };
}

/** Removes the path (a directory with everything in it; a link itself, never what it names), printing its type first. */
export function removeExec(path: string): AgentExec {
  return { argv: walkTo(path, ['-printf', '%y\\n', '-exec', 'rm', '-rf', '--', '{}', ';']), timeoutMs: 60_000 };
}

/** Makes room for an upload: removes what is at the path unless it is a directory; prints its type. */
export function clearForUploadExec(path: string): AgentExec {
  const action = ['-printf', '%y\\n', '(', '-type', 'd', '-o', '-exec', 'rm', '-f', '--', '{}', ';', ')'];
  return { argv: walkTo(path, action), timeoutMs: 10_000 };
}

/** The entries of a directory ('' the workspace), each on its own (NUL-ended), after a `D` when the directory is there. */
export function listExec(directory: string, maxBytes: number): AgentExec {
  const entry = ['-printf', ENTRY_FORMAT];
  const argv = directory
    ? [
        'find', '.', '-mindepth', '1',
        '(', '-path', `./${directory}`, '-type', 'd', '-printf', LISTED_DIRECTORY, ')', '-o',
        '(', '-path', `./${directory}/*`, ...entry, '-prune', ')', '-o',
        '(', ...[...ancestorsOf(directory), `./${directory}`].flatMap((a, i) => (i ? ['-o', '-path', a] : ['-path', a])), ')', '-o',
        '-prune',
      ]
    : ['find', '.', '-mindepth', '1', '-maxdepth', '1', ...entry];
  return { argv, timeoutMs: 30_000, outputBytes: maxBytes };
}

/** Every regular file of the workspace (NUL-ended paths), for a compile's {sources}. */
export function sourcesExec(maxBytes: number): AgentExec {
  return { argv: ['find', '.', '-type', 'f', '-printf', '%P\\0'], timeoutMs: 30_000, outputBytes: maxBytes };
}

/** The first line of a stat/read/remove/clear: the path's type letter (and size), or null when it is not there. */
export function parseHead(stdout: Buffer): { type: string; size: number; rest: Buffer } | null {
  const newline = stdout.indexOf(0x0a);
  if (newline < 0) return null;
  const [type, size] = stdout.subarray(0, newline).toString('latin1').split(' ');
  return { type, size: Number(size ?? 0), rest: stdout.subarray(newline + 1) };
}

export interface Listing {
  /** Whether the directory was there (the workspace always is). */
  found: boolean;
  entries: SessionFileEntry[];
}

/** A directory's listing from listExec's output; a last entry cut by the output cap is left out. */
export function parseListing(stdout: Buffer, directory: string): Listing {
  const records = stdout.toString('utf8').split('\0');
  records.pop(); // after the last NUL: empty, or an entry the cap cut
  const found = !directory || records[0] === 'D';
  const entries = records.filter((record) => record !== 'D').flatMap((record) => entryOf(record));
  return { found, entries };
}

function entryOf(record: string): SessionFileEntry[] {
  const match = /^(\S) (\d+) (\d+(?:\.\d+)?) (.+)$/s.exec(record);
  if (!match) return [];
  const [, letter, size, seconds, path] = match;
  return [
    {
      name: path.slice(path.lastIndexOf('/') + 1),
      path,
      type: TYPES[letter] ?? 'other',
      size: Number(size),
      modified: new Date(Math.round(Number(seconds) * 1000)).toISOString(),
    },
  ];
}

/** sourcesExec's paths. */
export function parsePaths(stdout: Buffer): string[] {
  const paths = stdout.toString('utf8').split('\0');
  paths.pop();
  return paths;
}
