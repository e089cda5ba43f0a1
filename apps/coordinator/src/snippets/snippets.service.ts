import { HttpException, HttpStatus, Injectable, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { KilnConfig } from '@kiln/config';
import { SnippetRepository } from '@kiln/store';
import { Principal } from '../auth/principal';
import { CreateJobDto } from '../jobs/dto/create-job.dto';
import { JobRequestFactory } from '../jobs/job-request.factory';
import { CreateSnippetDto } from './dto/create-snippet.dto';
import { Snippet } from './snippet';
import { isSnippetId, newSnippetId } from './snippet-id';

/** Stores and reads shared snippets. A snippet is immutable: sharing an edit makes a new one (a fork). */
@Injectable()
export class SnippetsService {
  constructor(
    private readonly store: SnippetRepository,
    private readonly requests: JobRequestFactory,
    private readonly config: KilnConfig,
  ) {}

  async create(dto: CreateSnippetDto, principal: Principal): Promise<Snippet> {
    const { maxBytes, retentionSeconds, quotaBytesPerKey } = this.config.snippets;
    const content = { ...dto };
    const size = Buffer.byteLength(JSON.stringify(content));
    if (size > maxBytes) {
      throw new PayloadTooLargeException({
        error: `snippet too large: ${size} bytes, at most ${maxBytes} (snippets.maxBytes)`,
        details: [{ field: 'body', message: `snippet is ${size} bytes; at most ${maxBytes}` }],
      });
    }
    // A snippet is what the playground will run: it must be a valid job request (400 naming the field if not).
    const { language } = this.requests.create(content as CreateJobDto);
    const createdAt = new Date();
    const expiresAt = new Date(createdAt.getTime() + retentionSeconds * 1000);
    // 96 random bits never collide in practice; NX makes sure a collision could only fail, never overwrite.
    for (let attempt = 0; attempt < 3; attempt++) {
      const snippet: Snippet = { ...content, language: language.id, id: newSnippetId(), createdAt: createdAt.toISOString(), expiresAt: expiresAt.toISOString() };
      const created = await this.store.create(snippet, retentionSeconds, ownerOf(principal), quotaBytesPerKey);
      if (created.outcome === 'stored') return snippet;
      if (created.outcome === 'over-quota') throw new SnippetQuotaExceededException(created.used, quotaBytesPerKey, created.freesAt);
    }
    throw new Error('could not find a free snippet id');
  }

  async get(id: string): Promise<Snippet> {
    const snippet = isSnippetId(id) ? await this.store.get<Snippet>(id) : null;
    if (!snippet) throw new NotFoundException({ error: `no snippet with id ${id} (it may have expired)` });
    return snippet;
  }
}

/** Every key has its own quota; without keys, every caller shares one. */
function ownerOf(principal: Principal): string {
  return principal.keyId ?? 'anonymous';
}

/** 429: the key's snippets fill its quota until some expire (`retryAfterSeconds`: when enough will have). */
export class SnippetQuotaExceededException extends HttpException {
  readonly retryAfterSeconds: number | null;

  constructor(used: number, quota: number, freesAt: number | null) {
    const when = freesAt ? `; enough of them expire by ${new Date(freesAt).toISOString()}` : '';
    const message = `this key's snippets take ${used} bytes of its ${quota} (snippets.quotaBytesPerKey)${when}`;
    super({ error: `snippet quota full: ${message}`, details: [{ field: 'body', message }] }, HttpStatus.TOO_MANY_REQUESTS);
    this.retryAfterSeconds = freesAt ? Math.max(1, Math.ceil((freesAt - Date.now()) / 1000)) : null;
  }
}
