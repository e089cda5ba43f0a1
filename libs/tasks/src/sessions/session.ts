import { Limits } from '../limits/limits';

/**
 * A session: a sandbox held for one API key across requests, on one worker
 * (docs/sessions.md). `starting` until its worker has the sandbox, `ready`
 * while it serves; then one of the ended states, kept for
 * coordinator.sessions.retentionSeconds so that later calls say why (410).
 */
export type SessionState = 'starting' | 'ready' | 'closed' | 'expired' | 'lost';

export type EndedSessionState = Extract<SessionState, 'closed' | 'expired' | 'lost'>;

export const ENDED_SESSION_STATES: readonly SessionState[] = ['closed', 'expired', 'lost'];

export function isEndedSession(state: SessionState): state is EndedSessionState {
  return ENDED_SESSION_STATES.includes(state);
}

/**
 * What a session's sandbox and runs are held to: the job limits that make
 * sense across runs (the sandbox's cgroup limits, and each run's defaults).
 */
export type SessionLimits = Pick<Limits, 'timeoutMs' | 'memoryMb' | 'cpus' | 'processes' | 'outputBytes' | 'compileTimeoutMs'> &
  Pick<Limits, 'cpuTimeMs'>;

export const SESSION_LIMIT_KEYS = ['timeoutMs', 'memoryMb', 'cpus', 'processes', 'outputBytes', 'compileTimeoutMs', 'cpuTimeMs'] as const;

/** Facts fixed when the session is made. */
export interface SessionMeta {
  id: string;
  /** The API key id that made it (null: keys are off): only that key sees it. */
  owner: string | null;
  language: string;
  limits: SessionLimits;
  /** Its sandbox is removed after this long without a request. */
  idleTimeoutMs: number;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms by which it ends, however busy (coordinator.sessions.maxLifetimeMs after creation). */
  deadline: number;
  /** The worker that holds its sandbox, and that worker's instance (a restarted worker holds nothing). */
  workerId: string;
  workerInstance: string;
}

/** A session as the store holds it. */
export interface SessionRecord {
  meta: SessionMeta;
  state: SessionState;
  /** Epoch ms of the last request its worker served. */
  lastUsedAt: number;
  /** Its workspace's size (the worker's sandbox.workspaceMb), once ready. */
  diskMb?: number;
  endedAt?: number;
  /** Why it ended, in words for the API's answer. */
  endReason?: string;
}

/** GET /sessions/:id, and the answer to POST /sessions. */
export interface SessionView {
  id: string;
  language: string;
  state: SessionState;
  limits: SessionLimits & { diskMb?: number };
  idleTimeoutMs: number;
  createdAt: string;
  lastUsedAt: string;
  /** When it will expire if nothing else happens (ended: when it ended). */
  expiresAt: string;
  endReason?: string;
}

/** When a live session expires: idle past its timeout, or at its deadline, whichever comes first. */
export function sessionExpiry(record: SessionRecord): number {
  if (record.endedAt !== undefined) return record.endedAt;
  return Math.min(record.lastUsedAt + record.meta.idleTimeoutMs, record.meta.deadline);
}

export function toSessionView(record: SessionRecord): SessionView {
  const { meta } = record;
  return {
    id: meta.id,
    language: meta.language,
    state: record.state,
    limits: { ...meta.limits, ...(record.diskMb !== undefined ? { diskMb: record.diskMb } : {}) },
    idleTimeoutMs: meta.idleTimeoutMs,
    createdAt: new Date(meta.createdAt).toISOString(),
    lastUsedAt: new Date(record.lastUsedAt).toISOString(),
    expiresAt: new Date(sessionExpiry(record)).toISOString(),
    ...(record.endReason ? { endReason: record.endReason } : {}),
  };
}

/** The languages (by id) whose sessions have stateful contexts: a live interpreter a run's code goes to. */
export const CONTEXT_LANGUAGES = ['python', 'javascript'] as const;
export type ContextLanguage = (typeof CONTEXT_LANGUAGES)[number];

export function hasContexts(languageId: string): languageId is ContextLanguage {
  return (CONTEXT_LANGUAGES as readonly string[]).includes(languageId);
}
