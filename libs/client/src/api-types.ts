import type { JobView } from '@kiln/tasks/jobs/job';
import type { JobState } from '@kiln/tasks/jobs/job-state';
import type { Verdict } from '@kiln/tasks/jobs/verdict';

export type { JobView } from '@kiln/tasks/jobs/job';
export type { StageResult, TestResult } from '@kiln/tasks/jobs/stage-result';
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
}

/** The body of POST /jobs (README "API"): a program and, here, the only limit the clients set. */
export interface JobRequest extends SnippetContent {
  limits?: { timeoutMs?: number };
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
  | { type: 'output'; task: string; stream: 'stdout' | 'stderr'; text: string; test?: number }
  | { type: 'end'; job: JobView };

/** The API's error shape: `{error, details: [{field, message}]}`. */
export interface ApiErrorBody {
  error: string;
  details?: { field: string; message: string }[];
}
