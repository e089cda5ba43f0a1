import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { clientErrorOf, publicErrorText, serverErrorOf } from './public-error';

/** Every error leaves as `{error, details?}` with the right status; internals (stacks, exception class names) never leak. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) {
      // A stream (SSE) already answered 200: its client can only see it end.
      this.logger.error(`error after the response started: ${(exception as Error)?.stack ?? String(exception)}`);
      response.end();
      return;
    }
    if (exception instanceof HttpException) {
      response.status(exception.getStatus()).json(bodyOf(exception));
      return;
    }
    const refused = clientErrorOf(exception);
    if (refused) {
      response.status(refused.status).json({ error: refused.message });
      return;
    }
    this.logger.error(`unhandled error: ${(exception as Error)?.stack ?? String(exception)}`);
    const failure = serverErrorOf(exception);
    response.status(failure.status).json({ error: failure.message });
  }
}

function bodyOf(exception: HttpException): Record<string, unknown> {
  const raw = exception.getResponse();
  if (typeof raw === 'object' && raw !== null && 'error' in raw && !('statusCode' in raw)) return raw as Record<string, unknown>;
  const message = typeof raw === 'string' ? raw : (raw as { message?: unknown }).message;
  const text = Array.isArray(message) ? message.join('; ') : String(message ?? exception.message);
  return { error: publicErrorText(text, exception.getStatus()) };
}
