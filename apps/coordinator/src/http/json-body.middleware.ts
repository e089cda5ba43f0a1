import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * The API speaks JSON only: a body of another type is 415, a malformed one 400,
 * an oversized one 413 — all in the API's error shape, before any handler runs.
 *
 * Under `anyTypePaths` (the Piston API: its clients send JSON as text/plain) a
 * body is parsed as JSON whatever its type, but only from a client that is not
 * a web page: a browser sends `Origin`, and a cross-site page must never get a
 * "simple" (preflight-free) request through to a job.
 */
export function jsonBodyMiddleware(limitBytes: number, anyTypePaths: readonly string[] = []): RequestHandler {
  const parse = express.json({ limit: limitBytes, type: JSON_TYPES });
  const parseAnyType = express.json({ limit: limitBytes, type: () => true });
  return (request: Request, response: Response, next: NextFunction) => {
    const anyType = request.headers.origin === undefined && anyTypePaths.some((path) => request.path.startsWith(path));
    if (anyType) {
      parseAnyType(request, response, (error?: unknown) => (error ? sendBodyError(response, error, limitBytes) : next()));
      return;
    }
    if (hasBody(request) && !request.is(JSON_TYPES)) {
      response.status(415).json({
        error: 'unsupported media type: send the body as application/json',
        details: [{ field: 'content-type', message: `got ${request.headers['content-type'] ?? 'none'}` }],
      });
      return;
    }
    parse(request, response, (error?: unknown) => (error ? sendBodyError(response, error, limitBytes) : next()));
  };
}

function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}

function sendBodyError(response: Response, error: unknown, limitBytes: number): void {
  const { type, message } = error as { type?: string; message?: string };
  if (type === 'entity.too.large') {
    response.status(413).json({
      error: `request body too large: at most ${limitBytes} bytes`,
      details: [{ field: 'body', message: `limit is ${limitBytes} bytes` }],
    });
  } else {
    response.status(400).json({ error: 'malformed JSON body', details: [{ field: 'body', message: message ?? 'unreadable' }] });
  }
}
