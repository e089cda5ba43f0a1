import { STATUS_CODES } from 'node:http';

/** A word that names an exception class: `ThrottlerException`, `SyntaxError`, or Nest's fallback message "Http Exception". */
const CLASS_NAME = /\b[A-Z][A-Za-z]*(?:Exception|Error)\b|\bException\b/;

/** The status's reason phrase in lower case ("too many requests"). */
export function reasonPhrase(status: number): string {
  return (STATUS_CODES[status] ?? 'error').toLowerCase();
}

/**
 * A library's error text as a client may read it: one that names an
 * exception class (`ThrottlerException: Too Many Requests`) becomes the
 * status's reason phrase. Kiln's own `{error}` texts never need this.
 */
export function publicErrorText(text: string, status: number): string {
  return CLASS_NAME.test(text) ? reasonPhrase(status) : text;
}

/**
 * The 4xx status of an error Express itself raises before any handler (a URL
 * whose parameters do not decode, say): http-errors mark those `expose`, for
 * the client's eyes. Null for anything else, which is Kiln's own failure.
 */
export function clientErrorOf(error: unknown): { status: number; message: string } | null {
  const { status, expose, message } = (error ?? {}) as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof status !== 'number' || status < 400 || status > 499 || expose !== true) return null;
  return { status, message: publicErrorText(typeof message === 'string' && message ? message : reasonPhrase(status), status) };
}

/**
 * A failure that is not the request's: the store being unreachable is a 503
 * the client may retry (Redis restarting, a failover), anything else Kiln's
 * own 500. Either way the text is Kiln's, never the library's.
 */
export function serverErrorOf(error: unknown): { status: number; message: string } {
  if (isStoreOutage(error)) return { status: 503, message: 'the job store (Redis) does not answer; try again shortly' };
  return { status: 500, message: 'internal error' };
}

/** ioredis's ways of saying the connection is gone (its retries ran out, or a reconnect is under way). */
function isStoreOutage(error: unknown): boolean {
  const { name, message, code } = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  if (name === 'MaxRetriesPerRequestError') return true;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code)) return true;
  return typeof message === 'string' && /^(Connection is closed\.|Stream isn't writeable)/.test(message);
}
