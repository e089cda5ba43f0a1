import type {
  ApiErrorBody,
  JobEvent,
  JobRequest,
  JobView,
  LanguageSummary,
  SessionFileContent,
  SessionRequest,
  SessionRunRequest,
  SessionRunResult,
  SessionView,
  SnippetContent,
  SnippetCreated,
  SnippetView,
} from './api-types';
import { KilnApiError, KilnUnreachableError, reasonOf } from './client-errors';
import { pathSegment, pathSegments } from './path-segments';
import { SseMessage, SseParser } from './sse-parser';

export interface KilnClientOptions {
  /** Where Kiln listens (`http://127.0.0.1:8080`); empty in a page served by Kiln itself. */
  baseUrl: string;
  /** API key, sent as X-Kiln-Key when set. */
  key?: string | null;
}

type FetchBody = NonNullable<Parameters<typeof fetch>[1]>['body'];

/** A request's body: JSON, or raw bytes of a content type (a session's file). */
type Body = { json: unknown } | { bytes: Uint8Array; contentType: string };

/**
 * Kiln's native API over fetch, for the playground page, the `kiln` CLI and
 * the MCP server alike (all have fetch and web streams). Errors are
 * KilnApiError (the server said no) or KilnUnreachableError (nobody answered).
 */
export class KilnClient {
  readonly baseUrl: string;
  key: string | null;

  constructor(options: KilnClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.key = options.key ?? null;
  }

  languages(): Promise<LanguageSummary[]> {
    return this.json('GET', '/languages');
  }

  submit(request: JobRequest): Promise<{ id: string; state: string; job: JobView }> {
    return this.json('POST', '/jobs', { json: request });
  }

  /** POST /execute: runs the job and answers it finished. */
  execute(request: JobRequest): Promise<JobView> {
    return this.json('POST', '/execute', { json: request });
  }

  async job(id: string): Promise<JobView> {
    return this.json('GET', `/jobs/${pathSegment(id, 'jobId')}`);
  }

  async cancel(id: string): Promise<JobView> {
    return this.json('PUT', `/jobs/${pathSegment(id, 'jobId')}/cancel`);
  }

  createSnippet(snippet: SnippetContent): Promise<SnippetCreated> {
    return this.json('POST', '/snippets', { json: snippet });
  }

  async snippet(id: string): Promise<SnippetView> {
    return this.json('GET', `/snippets/${pathSegment(id, 'snippetId')}`);
  }

  createSession(request: SessionRequest): Promise<SessionView> {
    return this.json('POST', '/sessions', { json: request });
  }

  async session(id: string): Promise<SessionView> {
    return this.json('GET', sessionPath(id));
  }

  async runInSession(id: string, request: SessionRunRequest): Promise<SessionRunResult> {
    return this.json('POST', `${sessionPath(id)}/run`, { json: request });
  }

  /** PUT /sessions/:id/files/<path>: the file's raw bytes. */
  async writeSessionFile(id: string, path: string, bytes: Uint8Array): Promise<unknown> {
    const response = await this.send('PUT', sessionFilePath(id, path), { bytes, contentType: 'application/octet-stream' });
    return bodyOf(response);
  }

  /** GET /sessions/:id/files/<path>: the file's raw bytes and content type. */
  async readSessionFile(id: string, path: string): Promise<SessionFileContent> {
    const response = await this.send('GET', sessionFilePath(id, path));
    return { bytes: new Uint8Array(await response.arrayBuffer()), contentType: response.headers.get('content-type') ?? 'application/octet-stream' };
  }

  /** GET /sessions/:id/files?path=<dir>: the directory's listing as the API answers it. */
  async listSessionFiles(id: string, path = ''): Promise<unknown> {
    return this.json('GET', `${sessionPath(id)}/files${path ? `?path=${encodeURIComponent(path)}` : ''}`);
  }

  /** DELETE /sessions/:id: the session's sandbox goes at once. */
  async closeSession(id: string): Promise<unknown> {
    return bodyOf(await this.send('DELETE', sessionPath(id)));
  }

  /**
   * GET /jobs/:id/events: the job's state changes and output as they happen,
   * `retry` before a task's output starts again after its worker was lost,
   * ending with `end` (the finished job). Aborting `signal` stops reading.
   */
  async *events(id: string, signal?: AbortSignal): AsyncGenerator<JobEvent> {
    const response = await this.send('GET', `/jobs/${pathSegment(id, 'jobId')}/events`, undefined, signal);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        for (const message of parser.push(decoder.decode(value, { stream: true }))) {
          const event = toJobEvent(message);
          if (event) yield event;
        }
      }
    } finally {
      reader.cancel().catch(() => undefined);
    }
  }

  private async json<T>(method: string, path: string, body?: Body): Promise<T> {
    const response = await this.send(method, path, body);
    return (await response.json()) as T;
  }

  private async send(method: string, path: string, body?: Body, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream' };
    if (body) headers['content-type'] = 'json' in body ? 'application/json' : body.contentType;
    if (this.key) headers['x-kiln-key'] = this.key;
    // TypeScript's BodyInit wants bytes over an ArrayBuffer; fetch takes any view.
    const payload = body === undefined ? undefined : 'json' in body ? JSON.stringify(body.json) : (body.bytes as unknown as FetchBody);
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload, signal });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new KilnUnreachableError(this.baseUrl, reasonOf(error));
    }
    if (!response.ok) throw new KilnApiError(response.status, await errorBodyOf(response));
    return response;
  }
}

function sessionPath(id: string): string {
  return `/sessions/${pathSegment(id, 'sessionId')}`;
}

/** `/sessions/<id>/files/out/a%20b.txt`: the file's path inside the workspace, never another route. */
function sessionFilePath(id: string, path: string): string {
  return `${sessionPath(id)}/files/${pathSegments(path, 'path')}`;
}

/** An answer's JSON, or null when it has none (204, an empty body). */
async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toJobEvent(message: SseMessage): JobEvent | null {
  const data = message.data as Record<string, unknown>;
  if (message.event === 'state') return { type: 'state', ...(data as object) } as JobEvent;
  if (message.event === 'output') return { type: 'output', ...(data as object) } as JobEvent;
  if (message.event === 'retry') return { type: 'retry', ...(data as object) } as JobEvent;
  if (message.event === 'end') return { type: 'end', job: data as unknown as JobView };
  return null;
}

async function errorBodyOf(response: Response): Promise<ApiErrorBody> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as ApiErrorBody;
    if (typeof parsed.error === 'string') return parsed;
  } catch {
    // not JSON: a proxy's page, say
  }
  return { error: text.trim().slice(0, 200) || response.statusText || 'error' };
}
