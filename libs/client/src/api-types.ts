import type { JobView } from '@kiln/tasks/jobs/job';
import type { StageResult } from '@kiln/tasks/jobs/stage-result';
import type { JobState } from '@kiln/tasks/jobs/job-state';
import type { Verdict } from '@kiln/tasks/jobs/verdict';

export type { JobView } from '@kiln/tasks/jobs/job';
export type { OutputFile, StageResult, TestResult } from '@kiln/tasks/jobs/stage-result';
export type { LanguageSummary } from '@kiln/tasks/languages/language';

/** A file of a request or a snippet, as the API takes it. */
export interface ApiFile {
  name: string;
  content: string;
  encoding?: 'utf8' | 'base64';
}

export interface ApiTestCase {
  stdin?: string;
  expected?: string;
}

/** A stored program: what POST /snippets takes and GET /snippets/:id answers. */
export interface SnippetContent {
  language: string;
  code?: string;
  files?: ApiFile[];
  stdin?: string;
  args?: string[];
  tests?: ApiTestCase[];
  /** Patterns of the workspace files each run returns (README "Output files"). */
  outputFiles?: string[];
}

/** The body of POST /jobs and /execute (README "API"): a program and the limits the clients set. */
export interface JobRequest extends SnippetContent {
  limits?: { timeoutMs?: number; memoryMb?: number };
}

export interface SnippetView extends SnippetContent {
  id: string;
  createdAt: string;
  expiresAt: string;
}

export interface SnippetCreated {
  id: string;
  /** The playground page of the snippet, relative to the server: `/s/<id>`. */
  url: string;
  expiresAt: string;
}

/** GET /jobs/:id/events, as the clients see it. */
export type JobEvent =
  | { type: 'state'; state: JobState; verdict: Verdict | null }
  /** `attempt`: the task's attempt that printed it, from 1 (absent from older servers: 1). */
  | { type: 'output'; task: string; stream: 'stdout' | 'stderr'; text: string; test?: number; attempt?: number }
  /** The task's worker was lost and the task runs again from the start: the output after this is the new attempt's. */
  | { type: 'retry'; task: string; attempt: number }
  | { type: 'end'; job: JobView };

/** The API's error shape: `{error, details: [{field, message}]}`. */
export interface ApiErrorBody {
  error: string;
  details?: { field: string; message: string }[];
}

/** The body of POST /sessions (issue 16): a sandbox held for one key across requests. */
export interface SessionRequest {
  language: string;
  limits?: Record<string, number>;
  idleTimeoutMs?: number;
  files?: ApiFile[];
}

/** A session as POST /sessions and GET /sessions/:id answer it. */
export interface SessionView {
  id: string;
  language: string;
  state: string;
  expiresAt: string;
  [field: string]: unknown;
}

/** The body of POST /sessions/:id/run: `code` runs as the session language's program (in `context`, a long-lived interpreter), `command` as an argv. */
export interface SessionRunRequest {
  code?: string;
  command?: string[];
  stdin?: string;
  args?: string[];
  timeoutMs?: number;
  context?: string;
}

/** What a session run answers: a run stage's fields, and what a compile or a context adds. */
export interface SessionRunResult extends StageResult {
  /** A compiled language's compile step, when `code` ran. */
  compile?: StageResult;
  /** A context run: the value of its final expression, as the language renders it (null: none). */
  result?: string | null;
  /** A context run that raised: the exception's name and message. */
  error?: { name: string; value: string } | null;
  /** A context run: whether its interpreter was started afresh (what it held is gone), and why. */
  context?: { name: string; restarted: boolean; reason?: string };
  [field: string]: unknown;
}

/** A file's bytes as GET /sessions/:id/files/<path> answers them, with their content type. */
export interface SessionFileContent {
  bytes: Uint8Array;
  contentType: string;
}
