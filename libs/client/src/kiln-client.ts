import type { ApiErrorBody, JobEvent, JobRequest, JobView, LanguageSummary, SnippetContent, SnippetCreated, SnippetView } from './api-types';
import { KilnApiError, KilnUnreachableError, reasonOf } from './client-errors';
import { SseMessage, SseParser } from './sse-parser';

export interface KilnClientOptions {
  /** Where Kiln listens (`http://127.0.0.1:8080`); empty in a page served by Kiln itself. */
  baseUrl: string;
  /** API key, sent as X-Kiln-Key when set. */
  key?: string | null;
}

/**
 * Kiln's native API over fetch, for the playground page and the `kiln` CLI
 * alike (both have fetch and web streams). Errors are KilnApiError (the server
 * said no) or KilnUnreachableError (nobody answered).
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
    return this.json('POST', '/jobs', request);
  }

  job(id: string): Promise<JobView> {
    return this.json('GET', `/jobs/${encodeURIComponent(id)}`);
  }

  cancel(id: string): Promise<JobView> {
    return this.json('PUT', `/jobs/${encodeURIComponent(id)}/cancel`);
  }

  createSnippet(snippet: SnippetContent): Promise<SnippetCreated> {
    return this.json('POST', '/snippets', snippet);
  }

  snippet(id: string): Promise<SnippetView> {
    return this.json('GET', `/snippets/${encodeURIComponent(id)}`);
  }

  /**
   * GET /jobs/:id/events: the job's state changes and output as they happen,
   * ending with `end` (the finished job). Aborting `signal` stops reading.
   */
  async *events(id: string, signal?: AbortSignal): AsyncGenerator<JobEvent> {
    const response = await this.send('GET', `/jobs/${encodeURIComponent(id)}/events`, undefined, signal);
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

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    return (await response.json()) as T;
  }

  private async send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.key) headers['x-kiln-key'] = this.key;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new KilnUnreachableError(this.baseUrl, reasonOf(error));
    }
    if (!response.ok) throw new KilnApiError(response.status, await errorBodyOf(response));
    return response;
  }
}

function toJobEvent(message: SseMessage): JobEvent | null {
  const data = message.data as Record<string, unknown>;
  if (message.event === 'state') return { type: 'state', ...(data as object) } as JobEvent;
  if (message.event === 'output') return { type: 'output', ...(data as object) } as JobEvent;
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
