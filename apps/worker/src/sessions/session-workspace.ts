import { SessionFileEntry } from '@kiln/tasks';
import { SandboxFileRefusedError } from '../sandbox/sandbox-lease';
import { SessionError } from './session-error';
import { SessionSandbox } from './session-sandbox';
import {
  clearForUploadExec,
  listExec,
  parseHead,
  parseListing,
  parsePaths,
  readExec,
  removeExec,
  sourcesExec,
} from './workspace-commands';

/** The most a listing (or a compile's list of sources) reads of find's output. */
const LISTING_BYTES = 4 * 1024 * 1024;
const NOTHING = Buffer.alloc(0);

const TYPE_NAMES: Record<string, string> = { d: 'a directory', l: 'a symbolic link (never followed)', p: 'a fifo', s: 'a socket' };

export interface WorkspaceListing {
  entries: SessionFileEntry[];
  /** More entries than a listing carries. */
  truncated: boolean;
}

/**
 * A session's files, in its sandbox: written by the agent (`F` frames: each
 * directory opened O_NOFOLLOW, the file O_EXCL, so never through a link),
 * read, listed and removed by find's walk (workspace-commands.ts), which
 * never follows one either.
 */
export class SessionWorkspace {
  constructor(
    private readonly sandbox: SessionSandbox,
    /** Its size (sandbox.workspaceMb), for the message when it is full. */
    private readonly diskMb: number,
  ) {}

  /** Writes the file, replacing a file (or link) of that name; a directory in the way is a conflict. */
  async put(path: string, content: Buffer): Promise<void> {
    const there = parseHead((await this.sandbox.run(clearForUploadExec(path), NOTHING)).stdout);
    if (there?.type === 'd') throw new SessionError('conflict', `${path} is a directory`, 'path');
    try {
      await this.sandbox.putFiles([{ name: path, mode: 0o644, content }]);
    } catch (error) {
      if (error instanceof SandboxFileRefusedError) throw this.refusal(path, error.message);
      throw error;
    }
  }

  async get(path: string, maxBytes: number): Promise<Buffer> {
    const report = await this.sandbox.run(readExec(path, maxBytes), NOTHING);
    const head = parseHead(report.stdout);
    if (!head) throw new SessionError('no-such-file', `no file ${path} in the session's workspace`);
    if (head.type !== 'f') throw new SessionError('no-such-file', `${path} is ${TYPE_NAMES[head.type] ?? 'not a regular file'}, not a file`);
    if (head.size > maxBytes || report.result.outputLimited) {
      throw new SessionError('too-large', `${path} is ${head.size} bytes; a download is at most ${maxBytes} (coordinator.sessions.maxFileBytes)`);
    }
    return head.rest;
  }

  /** A directory's entries ('' the workspace). */
  async list(directory: string): Promise<WorkspaceListing> {
    const report = await this.sandbox.run(listExec(directory, LISTING_BYTES), NOTHING);
    const listing = parseListing(report.stdout, directory);
    if (!listing.found) throw new SessionError('no-such-file', `no directory ${directory} in the session's workspace`);
    return { entries: listing.entries.sort((a, b) => a.name.localeCompare(b.name)), truncated: report.result.outputLimited };
  }

  /** Removes a file, a link or a directory with everything in it. */
  async remove(path: string): Promise<void> {
    if (!parseHead((await this.sandbox.run(removeExec(path), NOTHING)).stdout)) {
      throw new SessionError('no-such-file', `no file ${path} in the session's workspace`);
    }
  }

  /** Every regular file's path (a compile's {sources} are picked from them). */
  async files(): Promise<string[]> {
    return parsePaths((await this.sandbox.run({ ...sourcesExec(LISTING_BYTES) }, NOTHING)).stdout);
  }

  /** The agent's word on a file it could not write, as the API says it. */
  private refusal(path: string, reason: string): SessionError {
    if (/No space left|File too large|quota/i.test(reason)) {
      return new SessionError('too-large', `${path} does not fit: the session's disk holds ${this.diskMb} MiB in all (${reason})`);
    }
    if (/Not a directory|symbolic links|File exists|Is a directory/i.test(reason)) {
      return new SessionError('conflict', `something is in the way of ${path} (a file, or a link, where a directory must be): ${reason}`, 'path');
    }
    return new SessionError('failed', `the sandbox could not write ${path}: ${reason}`);
  }
}
