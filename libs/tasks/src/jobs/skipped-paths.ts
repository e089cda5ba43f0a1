/**
 * Why an entry a compile step left in its workspace is not part of the
 * compiled program its run tasks get. The compile still succeeds: the run
 * simply does not have that entry (README, "What a compile step leaves behind").
 */
export type SkipReason =
  /** Longer than 255 bytes (relative to the workspace): no file can be restored under it. */
  | 'path_too_long'
  /** A directory more than 32 levels down; nothing below it is kept. */
  | 'too_deep'
  /** The name is not valid UTF-8. */
  | 'not_utf8'
  /** Not a regular file: never followed, opened or copied. */
  | 'symlink'
  | 'fifo'
  | 'socket'
  | 'device'
  /** The program took away its read permission (or a directory's search permission). */
  | 'unreadable'
  /** Files travel, directories only as their parents: an empty one is not recreated. */
  | 'empty_directory'
  /** Any other name the sandbox's agent could not write back (e.g. the same name twice), or a reason this worker does not know. */
  | 'invalid_name';

export interface SkippedPath {
  /**
   * The path relative to the workspace, as UTF-8; a byte that is not valid
   * UTF-8, a control character and a backslash are written `\xNN`; a very
   * long path is cut and ends with `…`.
   */
  path: string;
  reason: SkipReason;
}

export interface SkippedPaths {
  /** At most MAX_SKIPPED_LISTED entries, in no particular order. */
  entries: SkippedPath[];
  /** True when more entries were skipped than are listed. */
  truncated: boolean;
}

export const MAX_SKIPPED_LISTED = 50;
