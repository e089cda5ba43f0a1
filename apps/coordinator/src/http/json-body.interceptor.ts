import { CallHandler, ExecutionContext, HttpStatus, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, RequestHandler, Response } from 'express';
import express from 'express';
import { from, Observable, switchMap } from 'rxjs';
import { assertSafeJson } from './json-body-inspection';
import { MalformedJsonBodyException, RequestBodyException } from './request-body.exception';

const JSON_TYPES = ['application/json', 'application/*+json'];
const ANY_TYPE_JSON = 'kiln:any-type-json';

/**
 * A route whose body is parsed as JSON whatever its Content-Type says (the
 * Piston API: its clients send JSON as text/plain), but only from a client
 * that is not a web page: a browser sends `Origin`, and a cross-site page
 * must never get a "simple" (preflight-free) request through to a job.
 */
export const JsonBodyOfAnyType = () => SetMetadata(ANY_TYPE_JSON, true);

const RAW_BODY = 'kiln:raw-body';

/**
 * A route whose body is raw bytes of any type (a session's file upload),
 * which its handler reads itself, within its own limit: not parsed here.
 */
export const RawBody = () => SetMetadata(RAW_BODY, true);

/**
 * The API speaks JSON only (but for RawBody routes): a body of another type is 415, a malformed one
 * 400, an oversized one 413, a hostile one (too deep, prototype keys) 400 —
 * all in the API's error shape. An interceptor, not a middleware: it runs
 * after the guards, so a request that the rate limit or the key check
 * refuses (or that matches no route) never has its body read. Made by
 * createCoordinator (it needs the configured limit), not by injection.
 */
export class JsonBodyInterceptor implements NestInterceptor {
  private readonly parse: RequestHandler;
  private readonly parseAnyType: RequestHandler;

  constructor(
    private readonly reflector: Reflector,
    private readonly limitBytes: number,
  ) {
    this.parse = express.json({ limit: limitBytes, type: JSON_TYPES });
    this.parseAnyType = express.json({ limit: limitBytes, type: () => true });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(RAW_BODY, targets)) return next.handle();
    const anyType = this.reflector.getAllAndOverride<boolean>(ANY_TYPE_JSON, targets) ?? false;
    return from(this.read(http.getRequest<Request>(), http.getResponse<Response>(), anyType)).pipe(switchMap(() => next.handle()));
  }

  private async read(request: Request, response: Response, anyType: boolean): Promise<void> {
    const lenient = anyType && request.headers.origin === undefined;
    if (!lenient && hasBody(request) && !request.is(JSON_TYPES)) {
      throw new RequestBodyException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'unsupported media type: send the body as application/json', [
        { field: 'content-type', message: `got ${request.headers['content-type'] ?? 'none'}` },
      ]);
    }
    const parse = lenient ? this.parseAnyType : this.parse;
    await new Promise<void>((resolve, reject) => parse(request, response, (error?: unknown) => (error ? reject(this.refusal(error)) : resolve())));
    assertSafeJson(request.body);
  }

  /** body-parser's error (it sets `type`) in the API's words. */
  private refusal(error: unknown): RequestBodyException {
    const { type, message = 'unreadable' } = error as { type?: string; message?: string };
    if (type === 'entity.too.large') {
      return new RequestBodyException(HttpStatus.PAYLOAD_TOO_LARGE, `request body too large: at most ${this.limitBytes} bytes`, [
        { field: 'body', message: `limit is ${this.limitBytes} bytes` },
      ]);
    }
    if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
      const field = type === 'charset.unsupported' ? 'content-type' : 'content-encoding';
      return new RequestBodyException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, `unsupported media type: ${message}`, [{ field, message }]);
    }
    return new MalformedJsonBodyException(message);
  }
}

function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}
