import type { ApiErrorBody } from './api-types';

/** The server answered with an error status; `body` is the API's error shape. */
export class KilnApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(describe(status, body));
    this.name = 'KilnApiError';
  }
}

/** No answer at all: nothing listens there, DNS failed, the connection broke. */
export class KilnUnreachableError extends Error {
  constructor(
    readonly baseUrl: string,
    reason: string,
  ) {
    super(`cannot reach Kiln at ${baseUrl || 'this page’s server'}: ${reason}`);
    this.name = 'KilnUnreachableError';
  }
}

function describe(status: number, body: ApiErrorBody): string {
  const details = (body.details ?? []).map((d) => `${d.field}: ${d.message}`).join('; ');
  return `${status} ${body.error}${details ? ` (${details})` : ''}`;
}

/** Why fetch failed, in a few words: Node hides the socket error in `cause`. */
export function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

/** Refused before anything was sent: an argument no request could carry as meant. */
export class KilnInvalidArgumentError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'KilnInvalidArgumentError';
  }
}
