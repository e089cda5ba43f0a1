import { ConflictException, GoneException, Injectable, InternalServerErrorException, PayloadTooLargeException, ServiceUnavailableException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { KilnConfig } from '@kiln/config';
import { SessionAnswer, SessionRepository } from '@kiln/store';
import {
  isEndedSession,
  LanguageDefinition,
  LanguageRegistry,
  SessionCommand,
  SessionFileEntry,
  SessionMeta,
  SessionRecord,
  SessionRunRequest,
  SessionRunResult,
  SessionView,
  toSessionView,
} from '@kiln/tasks';
import { Principal } from '../auth/principal';
import { NodeView } from '../nodes/node-registry';
import { CreateSessionDto } from './dto/create-session.dto';
import { SessionRunDto } from './dto/session-run.dto';
import { CallOptions, OutputHandler, SessionCalls, SessionCallsClosedError, SessionWorkerGoneError, SessionWorkerSilentError } from './session-calls';
import { keySessionsFull, noSession, noWorkerForSessions, refusalOf, sessionEnded, workerNotAnswering } from './session-errors';
import { SessionPlacement } from './session-placement';
import { SessionRequest, SessionRequestFactory } from './session-request.factory';

/** What the worker may take for a request beyond its own limits (writing files, starting a context). */
const WORK_MARGIN_MS = 60_000;
/** A new session's sandbox: a container from the pool, or a fresh one on a busy engine. */
const CREATE_WAIT_MS = 120_000;

/** A run checked and ready to go to its session's worker. */
export interface PreparedRun {
  record: SessionRecord;
  run: SessionRunRequest;
  maxWaitMs: number;
}

export interface FileListing {
  path: string;
  entries: SessionFileEntry[];
  truncated: boolean;
}

/**
 * Sessions as the API serves them (docs/sessions.md): made on a worker with
 * room, within the key's coordinator.sessions.maxPerKey; every request after
 * that goes to the worker that holds the sandbox. Another key's session is a
 * 404, an ended one a 410 saying why, a worker that does not answer a 503
 * within coordinator.sessions.workerTimeoutMs, and a worker that is gone
 * (its heartbeat stale, or a new instance) ends the session.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly store: SessionRepository,
    private readonly calls: SessionCalls,
    private readonly placement: SessionPlacement,
    private readonly requests: SessionRequestFactory,
    private readonly languages: LanguageRegistry,
    private readonly config: KilnConfig,
  ) {}

  async create(dto: CreateSessionDto, principal: Principal): Promise<SessionView> {
    const request = this.requests.create(dto);
    const candidates = await this.placement.candidates();
    if (candidates.length === 0) throw noWorkerForSessions('every live worker holds its most sessions (worker.sessions.max), or none is up');
    for (const worker of candidates) {
      const meta = await this.reserve(request, worker, principal);
      if (await this.startOn(worker, meta, request)) return toSessionView((await this.store.get(meta.id))!);
    }
    throw noWorkerForSessions('every worker asked holds its most sessions (worker.sessions.max), or did not answer');
  }

  async view(id: string, principal: Principal): Promise<SessionView> {
    return toSessionView(await this.require(id, principal));
  }

  async close(id: string, principal: Principal): Promise<void> {
    const record = await this.requireLive(id, principal);
    try {
      await this.callLive(record, { kind: 'close', sessionId: id }, { maxWaitMs: WORK_MARGIN_MS });
    } catch (error) {
      // Its worker is gone: the session is over all the same (its container goes with the orphan reaper).
      if (!(error instanceof GoneException)) throw error;
    }
  }

  /** Checks a run before anything is sent (a 400 comes as JSON, never as an event stream). */
  async prepareRun(id: string, dto: SessionRunDto, principal: Principal): Promise<PreparedRun> {
    const record = await this.requireLive(id, principal);
    const language = this.languageOf(record);
    const run = this.requests.run(dto, language, record.meta.limits);
    const compileMs = language.compile && run.code !== undefined ? record.meta.limits.compileTimeoutMs : 0;
    return { record, run, maxWaitMs: compileMs + run.timeoutMs + WORK_MARGIN_MS };
  }

  async run({ record, run, maxWaitMs }: PreparedRun, onOutput?: OutputHandler): Promise<SessionRunResult> {
    return valueOf(await this.callLive(record, { kind: 'run', sessionId: record.meta.id, run }, { maxWaitMs, onOutput }));
  }

  async putFile(id: string, rawPath: string, content: Buffer, principal: Principal): Promise<{ path: string; size: number }> {
    const path = this.requests.path(rawPath, 'path');
    const record = await this.requireLive(id, principal);
    if (record.diskMb !== undefined && content.length > record.diskMb * 1024 * 1024) {
      throw new PayloadTooLargeException({ error: `${content.length} bytes do not fit the session's disk of ${record.diskMb} MiB` });
    }
    return valueOf(await this.callLive(record, { kind: 'put-file', sessionId: id, path }, { upload: content, maxWaitMs: WORK_MARGIN_MS }));
  }

  async getFile(id: string, rawPath: string, principal: Principal): Promise<{ path: string; content: Buffer }> {
    const path = this.requests.path(rawPath, 'path');
    const record = await this.requireLive(id, principal);
    const maxBytes = this.config.coordinator.sessions.maxFileBytes;
    const answer = await this.callLive(record, { kind: 'get-file', sessionId: id, path, maxBytes }, { maxWaitMs: WORK_MARGIN_MS });
    return { path, content: answer.download ?? Buffer.alloc(0) };
  }

  async listFiles(id: string, rawPath: string, principal: Principal): Promise<FileListing> {
    const path = this.requests.path(rawPath, 'path', true);
    const record = await this.requireLive(id, principal);
    const answer = await this.callLive(record, { kind: 'list-files', sessionId: id, path }, { maxWaitMs: WORK_MARGIN_MS });
    return { path, ...valueOf<Omit<FileListing, 'path'>>(answer) };
  }

  async deleteFile(id: string, rawPath: string, principal: Principal): Promise<void> {
    const path = this.requests.path(rawPath, 'path');
    const record = await this.requireLive(id, principal);
    await this.callLive(record, { kind: 'delete-file', sessionId: id, path }, { maxWaitMs: WORK_MARGIN_MS });
  }

  /** A record for a new session on this worker, its owner's slot taken (429 past coordinator.sessions.maxPerKey). */
  private async reserve(request: SessionRequest, worker: NodeView, principal: Principal): Promise<SessionMeta> {
    const { maxPerKey, maxLifetimeMs, retentionSeconds } = this.config.coordinator.sessions;
    const now = Date.now();
    const meta: SessionMeta = {
      id: randomBytes(16).toString('base64url'),
      owner: principal.keyId,
      language: request.language.id,
      limits: request.limits,
      idleTimeoutMs: request.idleTimeoutMs,
      createdAt: now,
      deadline: now + maxLifetimeMs,
      workerId: worker.id,
      workerInstance: worker.instance,
    };
    const made = await this.store.create(meta, principal.keyId ? maxPerKey : null, retentionSeconds * 1000);
    if (made.outcome === 'owner-full') throw keySessionsFull(made.held, maxPerKey);
    if (made.outcome === 'id-taken') throw new InternalServerErrorException({ error: 'a session id was drawn twice; try again' });
    return meta;
  }

  /** Asks the worker for the sandbox: true once it holds it; false when it is full or gone (the record is discarded). */
  private async startOn(worker: NodeView, meta: SessionMeta, request: SessionRequest): Promise<boolean> {
    const target = { workerId: worker.id, workerInstance: worker.instance };
    let answer: SessionAnswer;
    try {
      answer = await this.calls.call(target, { kind: 'create', session: meta, files: request.files }, { maxWaitMs: CREATE_WAIT_MS });
    } catch (error) {
      await this.store.discard(meta);
      if (error instanceof SessionWorkerGoneError || error instanceof SessionWorkerSilentError) return false;
      if (error instanceof SessionCallsClosedError) throw new ServiceUnavailableException({ error: `${error.message}: try again` });
      throw error;
    }
    if (answer.reply.ok) return true;
    await this.store.discard(meta);
    if (answer.reply.code === 'full') return false;
    throw refusalOf(answer.reply);
  }

  /** A command to the session's worker; a worker that is gone ends the session (410), one that is silent is a 503. */
  private async callLive(record: SessionRecord, command: SessionCommand, options: CallOptions): Promise<SessionAnswer> {
    const { meta } = record;
    let answer: SessionAnswer;
    try {
      answer = await this.calls.call(meta, command, options);
    } catch (error) {
      if (error instanceof SessionCallsClosedError) throw new ServiceUnavailableException({ error: `${error.message}: try again` });
      if (!(error instanceof SessionWorkerGoneError || error instanceof SessionWorkerSilentError)) throw error;
      if (await this.placement.alive(meta.workerId, meta.workerInstance)) throw workerNotAnswering(record, error.message);
      throw await this.ended(record, 'lost', `its worker ${meta.workerId} is gone`);
    }
    const { reply } = answer;
    if (reply.ok) return answer;
    if (reply.code === 'unknown-session') throw await this.ended(record, 'lost', `its worker ${meta.workerId} no longer holds it`);
    if (reply.code === 'sandbox-gone') throw await this.ended(record, 'lost', reply.message);
    throw refusalOf(reply);
  }

  /** Ends the record (if nobody did yet) and answers 410 with whatever it now says. */
  private async ended(record: SessionRecord, state: 'lost', reason: string) {
    await this.store.end(record.meta, state, reason);
    return sessionEnded((await this.store.get(record.meta.id)) ?? { ...record, state, endReason: reason });
  }

  private async requireLive(id: string, principal: Principal): Promise<SessionRecord> {
    const record = await this.require(id, principal);
    if (isEndedSession(record.state)) throw sessionEnded(record);
    if (record.state === 'starting') throw new ConflictException({ error: `session ${id} is still starting` });
    return record;
  }

  /** The session, if it exists and the caller may see it: another key's is answered exactly like a missing one. */
  private async require(id: string, principal: Principal): Promise<SessionRecord> {
    const record = await this.store.get(id);
    const foreign = record?.meta.owner && record.meta.owner !== principal.keyId;
    if (!record || foreign) throw noSession(id);
    return record;
  }

  private languageOf(record: SessionRecord): LanguageDefinition {
    const language = this.languages.resolve(record.meta.language);
    if (!language) throw new InternalServerErrorException({ error: `session ${record.meta.id}'s language ${record.meta.language} is no longer configured` });
    return language;
  }
}

/** The value of an answer that callLive let through (a refusal is an exception by then). */
function valueOf<T>(answer: SessionAnswer): T {
  return (answer.reply as { value: T }).value;
}
