import { SourceFile } from '../jobs/job';
import { StageResult } from '../jobs/stage-result';
import { SessionMeta } from './session';

/** One run in a session (POST /sessions/:id/run), as its worker gets it. */
export interface SessionRunRequest {
  /** The session language's program (its main file), compiled first if the language compiles. */
  code?: string;
  /** An argv run in the workspace, without a shell. */
  command?: string[];
  /** With `code` (Python, JavaScript): the stateful context it runs in. */
  context?: string;
  stdinBase64: string;
  args: string[];
  timeoutMs: number;
}

/** A stateful context's part of a run's answer. */
export interface ContextOutcome {
  name: string;
  /** The context's interpreter was started afresh for or after this run: what it held is gone. */
  restarted: boolean;
  /** Why it was restarted (the run timed out, crashed, hit a limit), when it was. */
  reason?: string;
}

/** The answer to a run: a run stage's fields (README, "API"), and what a compile or a context adds. */
export type SessionRunResult = StageResult & {
  /** A compiled language's compile step, when `code` ran (a failed one: the verdict is COMPILE_ERROR and nothing ran). */
  compile?: StageResult;
  /** A context run: the value of its final expression, rendered as the language renders it (null: none). */
  result?: string | null;
  /** A context run that raised: the exception's name and message (its traceback is on stderr). */
  error?: { name: string; value: string } | null;
  context?: ContextOutcome;
};

export type SessionFileType = 'file' | 'directory' | 'symlink' | 'other';

/** One entry of GET /sessions/:id/files?path=<dir>. */
export interface SessionFileEntry {
  name: string;
  /** Relative to the workspace. */
  path: string;
  type: SessionFileType;
  size: number;
  /** ISO time of its last change. */
  modified: string;
}

/** What a coordinator asks of the worker that holds a session. */
export type SessionCommand =
  | { kind: 'create'; session: SessionMeta; files: SourceFile[] }
  | { kind: 'run'; sessionId: string; run: SessionRunRequest }
  /** The bytes travel beside the command (SessionChannelRepository's transfer). */
  | { kind: 'put-file'; sessionId: string; path: string }
  /** `maxBytes`: a larger file is not sent (too-large). */
  | { kind: 'get-file'; sessionId: string; path: string; maxBytes: number }
  | { kind: 'list-files'; sessionId: string; path: string }
  | { kind: 'delete-file'; sessionId: string; path: string }
  | { kind: 'close'; sessionId: string };

export interface SessionCommandEnvelope {
  requestId: string;
  /** The coordinator instance whose channel hears the answer. */
  replyTo: string;
  /** Epoch ms after which the coordinator no longer waits: a later command is dropped unseen. */
  deadline: number;
  /** How often the worker says it is still at it (the coordinator gives up after a silence of a few of these). */
  beatMs: number;
  /** Send the run's output as it comes (an SSE client waits for it). */
  stream?: boolean;
  command: SessionCommand;
}

/** Why a worker could not do what it was asked. */
export type SessionErrorCode =
  /** The worker holds no such session (it restarted, or the session ended). */
  | 'unknown-session'
  /** The worker holds its most sessions (worker.sessions.max). */
  | 'full'
  | 'no-such-file'
  /** A directory (or a file) is in the way of the path, or the sandbox's own programs leave no room to start a run. */
  | 'conflict'
  /** The session's disk (its workspace) cannot hold it. */
  | 'too-large'
  /** A field of the request cannot be done as asked (its `field` says which). */
  | 'invalid'
  /** The session's sandbox died under the request: the session is over. */
  | 'sandbox-gone'
  /** Kiln's own failure. */
  | 'failed';

export type SessionReply =
  | { ok: true; value?: unknown }
  | { ok: false; code: SessionErrorCode; message: string; field?: string };

/** What a worker says on the coordinator's channel while it serves a command. */
export type SessionMessage =
  /** It took the command, or is still at it. */
  | { type: 'working'; requestId: string }
  | { type: 'output'; requestId: string; stage: 'compile' | 'run'; stream: 'stdout' | 'stderr'; dataBase64: string }
  /** The answer is stored (SessionChannelRepository.takeReply). */
  | { type: 'done'; requestId: string };
