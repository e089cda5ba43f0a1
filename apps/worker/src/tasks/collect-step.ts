import { AgentExec, MAX_FILE_NAME_BYTES } from '../agent/agent-frames';

/**
 * The collect step: a command of Kiln's own that runs in the compile sandbox
 * after the compiler succeeded (the program's processes are all gone by then,
 * the agent kills them at the end of every exec), before the agent sends the
 * workspace back (`collect`).
 *
 * The agent copies regular files only, skips other entries without a word,
 * and sends nothing at all when a directory is too deep for it or a path too
 * long (docs/agent-protocol.md). So this step lists, as NUL-separated
 * `kind\0path\0` records on stdout, every entry that will not travel, and
 * removes the two kinds that would otherwise stop the whole collection:
 * - `path_too_long`: paths over 255 bytes, the most a file can be written
 *   back under (they are pruned whole: a directory with everything in it);
 * - `too_deep`: directories 33 levels down, deeper than the agent walks.
 * It only lists the rest: `symlink`, `fifo`, `socket`, `device`,
 * `unreadable`, `empty_directory`, and `non_ascii` (a name with a byte above
 * 0x7f, which the worker checks for valid UTF-8 itself).
 *
 * Nothing is seen by a shell but the fixed script: patterns arrive as
 * positional parameters, names only ever as find's own output, and `rm` gets
 * them from find with a `./` prefix and after `--`. Find's errors are
 * dropped (an unreadable directory is listed, not complained about); the
 * listing is cut at LISTING_BYTES and the rest drained, so find always runs
 * to the end (and its removals happen) however much the program left.
 */
const SCRIPT = [
  `find . -mindepth 1 -regextype posix-extended`,
  `\\( -path "$1" -printf 'path_too_long\\0%P\\0' -prune -exec rm -rf -- {} + \\)`,
  `-o \\( -type d -regex "$2" -printf 'too_deep\\0%P\\0' -prune -exec rm -rf -- {} + \\)`,
  `-o \\( -type l -printf 'symlink\\0%P\\0' \\)`,
  `-o \\( -type p -printf 'fifo\\0%P\\0' \\)`,
  `-o \\( -type s -printf 'socket\\0%P\\0' \\)`,
  `-o \\( ! -type f ! -type d -printf 'device\\0%P\\0' \\)`,
  `-o \\( \\( ! -readable -o -type d ! -executable \\) -printf 'unreadable\\0%P\\0' -prune \\)`,
  `-o \\( -type d -empty -printf 'empty_directory\\0%P\\0' \\)`,
  `-o \\( -name "$3" -printf 'non_ascii\\0%P\\0' \\)`,
  `2>/dev/null | { head -c "$4"; cat >/dev/null; }`,
].join(' ');

/** The listing is cut here: an entry too many is still skipped, just not named. */
export const LISTING_BYTES = 64 * 1024;
/** Directories deeper than this are not walked by the agent's collection. */
export const COLLECT_MAX_DEPTH = 32;

/** `./` and more than MAX_FILE_NAME_BYTES bytes (find matches whole paths; `?` is one byte in the C locale). */
const LONG_PATH = `./${'?'.repeat(MAX_FILE_NAME_BYTES + 1)}*`;
/** A path of exactly COLLECT_MAX_DEPTH + 1 components (find stops below it: `-prune`). */
const TOO_DEEP = `\\./([^/]+/){${COLLECT_MAX_DEPTH}}[^/]+`;
/** A name with a byte above 0x7f (the C locale's bytes, not characters). */
const NON_ASCII = '*[!\x01-\x7f]*';

export const COLLECT_STEP_ARGV: readonly string[] = ['sh', '-c', SCRIPT, 'kiln-collect', LONG_PATH, TOO_DEEP, NON_ASCII, String(LISTING_BYTES)];

export function collectStepExec(timeoutMs: number, collectMaxBytes: number): AgentExec {
  return {
    argv: [...COLLECT_STEP_ARGV],
    env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
    timeoutMs,
    // Room for the listing and a line or two from the shell itself.
    outputBytes: LISTING_BYTES + 4096,
    collect: true,
    collectMaxBytes,
  };
}

export interface ListedEntry {
  kind: string;
  path: Buffer;
}

export interface Listing {
  entries: ListedEntry[];
  /** The listing reached LISTING_BYTES: more entries may not travel than it names. */
  truncated: boolean;
}

/** Parses the step's stdout; a record cut by the size limit is dropped. */
export function parseListing(stdout: Buffer): Listing {
  const entries: ListedEntry[] = [];
  let offset = 0;
  for (;;) {
    const kindEnd = stdout.indexOf(0, offset);
    const pathEnd = kindEnd < 0 ? -1 : stdout.indexOf(0, kindEnd + 1);
    if (pathEnd < 0) break;
    entries.push({ kind: stdout.toString('latin1', offset, kindEnd), path: stdout.subarray(kindEnd + 1, pathEnd) });
    offset = pathEnd + 1;
  }
  return { entries, truncated: stdout.length >= LISTING_BYTES };
}
